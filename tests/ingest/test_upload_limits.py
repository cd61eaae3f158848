"""Upload limits: inflated sizes and ratios (gzip, zip, xlsx), table width, and messages that
list names.

Every bomb here is small and synthetic: the limit or floor is lowered, never the file made huge.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.ingest import open_upload
from seqrec_core.ingest.delimited_rows import MAX_COLUMNS
from seqrec_core.ingest.pipeline import ingest, preview_source
from seqrec_core.ingest.readers import read_table
from seqrec_core.store import Workspace

LIMIT = 200_000  # bytes; the files below are a few KB packed and more than this inflated
SHORT_MESSAGE = 1_500  # characters: an error that lists names stays readable


def _workbook(rows: int) -> bytes:
    """An .xlsx of `rows` identical rows: a few KB packed, about 60 bytes per row inflated."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["user_id", "item_id", "timestamp"])
    for _ in range(rows):
        sheet.append(["u1", "i1", "2024-01-01T10:00:00Z"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    """Regression: an .xlsx had no inflated-size limit (12 MB packed, a 3 GB sheet: read for
    ever); its parts' sizes are now checked from the zip directory before openpyxl runs."""
    src = tmp_path / "bomb.xlsx"
    src.write_bytes(_workbook(6_000))
    assert src.stat().st_size < LIMIT
    with pytest.raises(
        InputError, match=r"inflates to .* MB .*sheet1\.xml.* over the limit"
    ) as info:
        read_table(src, max_bytes=LIMIT)
    assert info.value.file == "bomb.xlsx"
    assert "CSV" in (info.value.hint or "") and "Parquet" in (info.value.hint or "")


def test_xlsx_limit_applies_to_the_preview_and_inside_a_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQREC_MAX_UPLOAD_MB", str(LIMIT / 2**20))
    src = tmp_path / "bomb.xlsx"
    src.write_bytes(_workbook(6_000))
    with pytest.raises(InputError, match="inflates to"):
        preview_source(src)
    zipped = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("orders.xlsx", src.read_bytes())
    with pytest.raises(InputError, match="inflates to"):
        preview_source(zipped)


def test_xlsx_within_the_limit_is_read(tmp_path: Path) -> None:
    src = tmp_path / "small.xlsx"
    src.write_bytes(_workbook(50))
    assert read_table(src, max_bytes=LIMIT).table.num_rows == 50


def test_gzip_is_capped_by_the_bytes_inflated_not_its_trailer(tmp_path: Path) -> None:
    """A gzip trailer that claims 10 bytes does not lift the limit: bytes are counted."""
    packed = bytearray(gzip.compress(b"a,b\n" + b"1,2\n" * 100_000))
    packed[-4:] = struct.pack("<I", 10)  # ISIZE, the size the member claims
    src = tmp_path / "liar.csv.gz"
    src.write_bytes(bytes(packed))
    with pytest.raises(InputError, match="uncompressed, the data is over"):
        read_table(src, max_bytes=LIMIT)


def test_gzip_members_count_together(tmp_path: Path) -> None:
    member = gzip.compress(b"1,2\n" * 30_000)  # 120 KB each, under the limit alone
    src = tmp_path / "members.csv.gz"
    src.write_bytes(gzip.compress(b"a,b\n") + member + member)
    with pytest.raises(InputError, match="uncompressed, the data is over"):
        read_table(src, max_bytes=LIMIT)


def test_twenty_thousand_column_header_gets_a_clear_short_message(tmp_path: Path) -> None:
    """Regression: a 20,000-column header was cut by the 64 KiB sniff sample, not recognised,
    and the missing-column error listed 11k columns (295 KB)."""
    names = ["user_id", "item_id", "timestamp", *(f"feature_{i}" for i in range(19_997))]
    src = tmp_path / "wide.csv"
    src.write_text(",".join(names) + "\n" + ",".join(["u1", "i1", "2024-01-01"] * 6_667) + "\n")
    for read in (preview_source, lambda path: ingest(path, Workspace.open(tmp_path / "ws"), "w")):
        with pytest.raises(InputError, match=r"header names 20,000 columns") as info:
            read(src)
        assert (info.value.file, info.value.line) == ("wide.csv", 1)
        assert len(str(info.value)) < SHORT_MESSAGE


def test_header_longer_than_the_sniff_sample_is_still_recognised(tmp_path: Path) -> None:
    long_name = "a_feature_with_a_rather_long_descriptive_name_as_some_exports_have_them_"
    names = ["user_id", "item_id", "timestamp", *(f"{long_name}{i}" for i in range(900))]
    header = ",".join(names)
    assert len(header) > 2**16  # longer than the sample the sniffer used to look at
    src = tmp_path / "wide.csv"
    src.write_text(header + "\n" + ",".join(["u1", "i1", "2024-01-01"] * 301) + "\n")
    raw = read_table(src)
    assert raw.table.column_names[:3] == ["user_id", "item_id", "timestamp"]
    assert (raw.table.num_columns, raw.table.num_rows, raw.malformed) == (903, 1, ())


def test_json_lines_with_too_many_keys_are_refused(tmp_path: Path) -> None:
    record = "{" + ", ".join(f'"k{i}": {i}' for i in range(MAX_COLUMNS + 1)) + "}\n"
    src = tmp_path / "keys.jsonl"
    src.write_text(record)
    with pytest.raises(InputError, match=f"{MAX_COLUMNS + 1:,} columns"):
        read_table(src)


def _many_columns(path: Path, count: int) -> Path:
    names = [f"attribute_{i}" for i in range(count)]
    path.write_text(",".join(names) + "\n" + ",".join("x" for _ in names) + "\n")
    return path


def test_missing_column_error_lists_twenty_columns_then_a_count(tmp_path: Path) -> None:
    src = _many_columns(tmp_path / "odd.csv", 600)
    with pytest.raises(InputError, match=r"'attribute_19' \(e\.g\. 'x'\) … and 580 more") as info:
        ingest(src, Workspace.open(tmp_path / "ws"), "odd")
    assert "attribute_20" not in str(info.value)
    assert len(str(info.value)) < SHORT_MESSAGE


def test_unknown_override_lists_twenty_columns_then_a_count(tmp_path: Path) -> None:
    src = _many_columns(tmp_path / "odd.csv", 600)
    with pytest.raises(InputError, match=r"attribute_19 … and 580 more"):
        ingest(src, Workspace.open(tmp_path / "ws"), "odd", column_mapping={"nope": "user_id"})


def test_catalog_without_item_id_lists_twenty_columns_then_a_count(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("user_id,item_id,timestamp\nu1,i1,2024-01-01T10:00:00Z\n")
    catalog = _many_columns(tmp_path / "catalog.csv", 600)
    with pytest.raises(InputError, match=r"attribute_19 … and 580 more"):
        ingest(events, Workspace.open(tmp_path / "ws"), "c", items_path=catalog)


def test_zip_of_many_files_lists_twenty_then_a_count(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(30):
            archive.writestr(f"part_{i:02}.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match=r"part_19\.csv … and 10 more"):
        read_table(path)


def test_many_repeated_header_names_make_one_short_warning(tmp_path: Path) -> None:
    """Each repeated or blank header name used to add a warning of its own."""
    src = tmp_path / "repeats.csv"
    src.write_text("user_id" + ",price" * 500 + "\nu1" + ",1.5" * 500 + "\n")
    raw = read_table(src)
    assert raw.table.column_names[:3] == ["user_id", "price", "price_2"]
    (warning,) = raw.warnings
    assert warning.startswith("repeated column names were made unique: 'price' as 'price_2'")
    assert warning.endswith("… and 479 more")


def test_workbook_of_many_sheets_lists_twenty(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["user_id", "item_id"])
    book.active.append(["u1", "i1"])
    for i in range(30):
        book.create_sheet(f"extra {i}")
    src = tmp_path / "sheets.xlsx"
    book.save(src)
    (warning,) = read_table(src).warnings
    assert "… and 11 more" in warning


FLOOR = 100_000  # bytes: the ratio floor, lowered from 64 MiB so the bombs stay small
ROW = b"u1,i1,2024-01-01T10:00:00Z\n"


@pytest.fixture
def low_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(open_upload, "INFLATE_RATIO_FLOOR", FLOOR)


def _repetitive_csv(rows: int) -> bytes:
    """A log of one row repeated: it packs over 300× as gzip or deflate."""
    return b"user_id,item_id,timestamp\n" + ROW * rows


def _varied_csv(rows: int) -> bytes:
    """Rows like a real export's (ids and times that change): they pack about 3-8×."""
    noise = random.Random(13)
    lines = [
        f"u{noise.randrange(9_999)},i{noise.randrange(99_999)},"
        f"2024-{noise.randrange(1, 13):02}-{noise.randrange(1, 29):02}T"
        f"{noise.randrange(24):02}:{noise.randrange(60):02}:00Z"
        for _ in range(rows)
    ]
    return ("user_id,item_id,timestamp\n" + "\n".join(lines) + "\n").encode()


@pytest.mark.usefixtures("low_floor")
def test_gzip_that_inflates_past_the_ratio_is_refused_under_the_size_limit(
    tmp_path: Path,
) -> None:
    """Regression: a 2.4 MB .csv.gz inflating to 960 MiB (under the 1 GiB limit) took over
    6 GB while validated; past the floor, a file inflating over 100× is now refused."""
    src = tmp_path / "bomb.csv.gz"
    content = _repetitive_csv(40_000)  # about 1 MB inflated
    src.write_bytes(gzip.compress(content))
    assert len(content) / src.stat().st_size > 100
    with pytest.raises(InputError, match=r"inflates over [\d,]+× its size") as info:
        read_table(src, max_bytes=len(content) * 10)
    error = info.value
    assert error.file == "bomb.csv.gz"
    assert "compression bomb" in error.message and "repetitive" in error.message
    assert "uncompressed" in (error.hint or "") and "Parquet" in (error.hint or "")
    assert "SEQREC_MAX_INFLATE_RATIO" in (error.hint or "")


@pytest.mark.usefixtures("low_floor")
def test_ratio_counts_the_bytes_inflated_and_stops_early(tmp_path: Path) -> None:
    """The ratio is judged on bytes as they come out, whatever the trailer claims, and the
    inflating stops near the floor instead of running to the end."""
    content = _repetitive_csv(400_000)  # about 11 MB inflated
    packed = bytearray(gzip.compress(content))
    packed[-4:] = struct.pack("<I", 10)  # ISIZE, the size the member claims
    src = tmp_path / "liar.csv.gz"
    src.write_bytes(bytes(packed))
    with pytest.raises(InputError, match=r"reading stopped at ([\d.]+) MB") as info:
        read_table(src, max_bytes=len(content) * 10)
    stopped = float(re.search(r"stopped at ([\d.]+) MB", str(info.value)).group(1))
    assert stopped * 2**20 < len(content) / 2


@pytest.mark.usefixtures("low_floor")
def test_raising_the_ratio_setting_lets_a_repetitive_file_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "repetitive.csv.gz"
    src.write_bytes(gzip.compress(_repetitive_csv(40_000)))
    with pytest.raises(InputError, match="inflates over"):
        read_table(src)
    monkeypatch.setenv("SEQREC_MAX_INFLATE_RATIO", "100000")
    assert read_table(src).table.num_rows == 40_000


@pytest.mark.parametrize("value", ["0.5", "many", "nan"])
def test_ratio_setting_must_be_a_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    src = tmp_path / "events.csv.gz"
    src.write_bytes(gzip.compress(_varied_csv(10)))
    monkeypatch.setenv("SEQREC_MAX_INFLATE_RATIO", value)
    with pytest.raises(ConfigError, match="SEQREC_MAX_INFLATE_RATIO"):
        read_table(src)


@pytest.mark.usefixtures("low_floor")
def test_zip_member_that_inflates_past_the_ratio_is_refused(tmp_path: Path) -> None:
    content = _repetitive_csv(40_000)
    deflated, stored = tmp_path / "bomb.zip", tmp_path / "plain.zip"
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders.csv", content)
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("orders.csv", content)
    for read in (read_table, preview_source):
        with pytest.raises(InputError, match="inflates over") as info:
            read(deflated)
        assert info.value.file == "bomb.zip"
    assert read_table(stored).table.num_rows == 40_000  # stored, not packed: ratio 1


def test_xlsx_that_inflates_past_the_ratio_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(open_upload, "INFLATE_RATIO_FLOOR", 10_000)
    src = tmp_path / "bomb.xlsx"
    src.write_bytes(_workbook(6_000))
    monkeypatch.setenv("SEQREC_MAX_INFLATE_RATIO", "5")  # this workbook packs about 16×
    with pytest.raises(InputError, match="inflates over") as info:
        read_table(src)
    assert info.value.file == "bomb.xlsx"
    monkeypatch.setenv("SEQREC_MAX_INFLATE_RATIO", "1000")
    assert read_table(src).table.num_rows == 6_000


@pytest.mark.usefixtures("low_floor")
def test_ordinary_gzip_exports_pass_the_ratio_check(tmp_path: Path) -> None:
    """A varied export and the bundled sample pack well under 100×: even with the floor
    lowered they are read whole (the sample packs about 5×)."""
    src = tmp_path / "orders.csv.gz"
    content = _varied_csv(20_000)
    src.write_bytes(gzip.compress(content))
    assert len(content) > FLOOR
    assert read_table(src).table.num_rows == 20_000
    sample = Path(__file__).parents[2] / "sample_data" / "events.csv.gz"
    assert read_table(sample).table.num_rows > 10_000


def _parquet_of_one_row_repeated(path: Path, rows: int) -> None:
    """One row repeated: dictionary and run-length encoding pack it thousands of times."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    user = "u1-" + "x" * 60
    table = pa.table({"user_id": [user] * rows, "item_id": ["i1"] * rows,
                      "timestamp": ["2024-01-01T10:00:00Z"] * rows})  # fmt: skip
    pq.write_table(table, path, row_group_size=rows)


@pytest.mark.usefixtures("low_floor")
@pytest.mark.parametrize("as_folder", [False, True])
def test_parquet_that_decodes_past_the_ratio_is_refused(tmp_path: Path, as_folder: bool) -> None:
    """Regression: Parquet had no inflated-size limit; a few KB of one value repeated can
    decode to gigabytes. It is decoded in batches and refused past the ratio."""
    folder = tmp_path / "export"
    folder.mkdir()
    src = folder / "part-0.parquet"
    _parquet_of_one_row_repeated(src, 300_000)  # about 30 MB decoded, a few KB packed
    assert src.stat().st_size < 100_000
    with pytest.raises(InputError, match="inflates over") as info:
        read_table(folder if as_folder else src)
    error = info.value
    assert error.file == ("export" if as_folder else "part-0.parquet")
    assert "one value repeated" in (error.hint or "") and "Parquet" not in (error.hint or "")
    stopped = float(re.search(r"stopped at ([\d.]+) MB", str(error)).group(1))
    assert stopped < 10  # refused within the first batches, not after decoding all 30 MB


@pytest.mark.usefixtures("low_floor")
def test_an_ordinary_parquet_file_passes_the_ratio(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    noise = random.Random(5)
    rows = 100_000
    table = pa.table({
        "user_id": [f"u{noise.randrange(20_000)}" for _ in range(rows)],
        "item_id": [f"i{noise.randrange(5_000)}" for _ in range(rows)],
        "timestamp": pa.array([1_700_000_000_000 + noise.randrange(10**10) for _ in range(rows)],
                              pa.timestamp("ms", tz="UTC")),
    })  # fmt: skip
    src = tmp_path / "events.parquet"
    pq.write_table(table, src, row_group_size=30_000)
    read = read_table(src).table
    assert (
        read.num_rows == rows and read.column("item_id").to_pylist() == table["item_id"].to_pylist()
    )
