"""Upload limits: inflated sizes (gzip, zip, xlsx), table width, and messages that list names.

Every bomb here is small and synthetic: the limit is lowered, never the file made huge.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from seqrec_core.errors import InputError
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
