"""A big text read block by block gives the dataset a whole read gives, row for row."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from seqrec_core.errors import InputError
from seqrec_core.ingest import spooled_text
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.readers import read_table
from seqrec_core.store import Workspace
from tests.support.ingest_checks import assert_same_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

HEADER = "user_id,item_id,timestamp,event_type,title\n"
ROWS = [
    "U1,P1,2024-01-01T10:00:00Z,view,plain title",
    'U1,P2,2024-01-01T10:05:00Z,cart,"a title, with a comma"',
    'U2,P1,2024-01-02T09:00:00Z,purchase,"a title\nover two lines"',
    "U2,P3,2024-01-02T09:01:00Z,view,too,many,fields",
    "",
    "U3,P2,not a time,view,bad timestamp",
    "U3,P4,2024-01-03T12:00:00Z,view,Crème brûlée ☕",
    'U4,P1,2024-01-04T08:00:00Z,view,"quotes ""inside"" it"',
    'U4,P1,2024-01-04T08:00:00Z,view,"quotes ""inside"" it"',  # the same row again
]


def _log(rows: int) -> str:
    """A log of `rows` records cycling through ROWS, distinct users per cycle."""
    lines = [ROWS[i % len(ROWS)].replace("U", f"C{i // len(ROWS)}U") for i in range(rows)]
    return HEADER + "\n".join(lines)


def _ingest_both(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    block: int,
    spied: str = "spool_delimited",
) -> tuple[Workspace, Workspace, list[object]]:
    """The same file ingested whole and block by block (`block` bytes); what spooling
    gave (`spied`: the spooling function the file goes through)."""
    whole = Workspace.open(tmp_path / "whole")
    ingest(source, whole, "d")
    seen: list[object] = []
    real = getattr(spooled_text, spied)

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.append(result)
        return result

    monkeypatch.setattr(spooled_text, "BLOCK_BYTES", block)
    monkeypatch.setattr(spooled_text, spied, spy)
    blocks = Workspace.open(tmp_path / "blocks")
    ingest(source, blocks, "d")
    return whole, blocks, seen


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_blocks_give_the_rows_lines_and_report_of_a_whole_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    source = tmp_path / "log.csv"
    source.write_bytes(_log(400).replace("\n", newline).encode())
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=512)
    assert seen and seen[0] is not None  # it was read block by block
    assert_same_dataset(whole, blocks)
    report = blocks.get_dataset("d").report
    assert report.rows_rejected > 0 and report.rows_accepted > 0
    rejected = blocks.read_rejected("d")
    assert set(rejected["reason"]) >= {"malformed_row", "unparseable_timestamp", "exact_duplicate"}


def test_a_gzip_log_with_a_byte_order_mark_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "log.csv.gz"
    source.write_bytes(gzip.compress(b"\xef\xbb\xbf" + _log(300).encode()))
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=700)
    assert seen[0] is not None and seen[0].encoding == "utf-8-sig"
    assert_same_dataset(whole, blocks)


def test_a_zipped_log_reads_the_same_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "export.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("log.csv", _log(400))
        archive.writestr("__MACOSX/._log.csv", b"junk")  # ignored, as in a whole read
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, 600, "spool_zip_member")
    assert seen and seen[0] is not None  # it was read block by block
    assert_same_dataset(whole, blocks)


def test_a_zip_damaged_after_its_first_block_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression guard: a read error deep in the member is the upload's message, not
    zlib's."""
    source = tmp_path / "export.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("log.csv", _log(3000))
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    source.write_bytes(bytes(data))
    monkeypatch.setattr(spooled_text, "BLOCK_BYTES", 600)
    with pytest.raises(InputError, match="damaged") as caught:
        read_table(source, display_name="export.zip", spool=tmp_path / "rows.parquet")
    assert caught.value.file == "export.zip"


def test_the_sample_shop_reads_the_same_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "events.csv.gz"
    shutil.copyfile(SAMPLE / "events.csv.gz", source)
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=256 << 10)
    assert seen[0] is not None and seen[0].rows == whole.get_dataset("d").rows_read
    assert_same_dataset(whole, blocks)


def test_a_movielens_dat_file_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "ratings.dat"
    source.write_text(
        "".join(
            f"{u}::{i}::{4 + i % 2}::{978300760 + 100 * u + i}\n"
            for u in range(60)
            for i in range(8)
        )
    )
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=300)
    assert seen[0] is not None and seen[0].layout.format == "dat"
    assert_same_dataset(whole, blocks)


@pytest.mark.parametrize(
    ("late", "why"),
    [
        (b"U9,P9,2024-01-05T00:00:00Z,view,caf\xe9\n", "not UTF-8"),
        (b"U9,P9,2024-01-05,view,x\r", "bare CR"),
    ],
)
def test_a_later_block_that_contradicts_the_first_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: bytes, why: str
) -> None:
    source = tmp_path / "log.csv"
    source.write_bytes(_log(200).encode() + b"\n" + late + b"U9,P8,2024-01-06T00:00:00Z,view,y\n")
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=400)
    assert seen == [None], why  # given up, then read whole
    assert_same_dataset(whole, blocks)
    assert not list((tmp_path / "blocks" / "datasets").glob(".staging-*"))


@pytest.mark.parametrize(
    ("first", "late", "spooled", "encoding"),
    [
        ("café €5", "crème ‘brûlée’", True, "cp1252"),  # a Windows export
        ("café", "crème", True, "latin-1"),  # no byte of 0x80-0x9F anywhere
        ("café\x81", "€5", True, "latin-1"),  # a byte cp1252 leaves undefined settles it
        ("café", "€5", False, "cp1252"),  # the euro sign makes the whole file cp1252
        ("café €5", "odd\x81", False, "latin-1"),  # ... and an undefined byte Latin-1
    ],
)
def test_a_legacy_encoded_log_reads_the_same_in_blocks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    first: str,
    late: str,
    spooled: bool,
    encoding: str,
) -> None:
    title = lambda text: text.encode("latin-1" if "\x81" in text else "cp1252")  # noqa: E731
    # Products Q0 (first rows) and Z (last row) carry the test's titles; P0-P6 plain ones.
    rows = [f"U{i},P{i % 7},2024-01-01T10:{i % 60:02d}:00Z,view,plain" for i in range(300)]
    body = [row.encode() for row in rows]
    body[0] = b"U0,Q0,2024-01-01T10:00:00Z,view," + title(first)
    body[-1] = b"U9,Z,2024-01-01T11:00:00Z,view," + title(late)
    source = tmp_path / "log.csv"
    source.write_bytes(HEADER.encode() + b"\n".join(body) + b"\n")
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=2000)
    assert (seen[0] is not None) == spooled
    assert_same_dataset(whole, blocks)
    report = blocks.get_dataset("d").report.to_dict()
    said = [w["message"] for w in report["warnings"]]
    assert f"the file is not UTF-8; it was read as {encoding}" in said
    titles = blocks.read_items("d").set_index("item_id")["title"]
    # Read as the whole file's encoding: in Latin-1, 0x80 is a control character, not €.
    assert (titles["Q0"], titles["Z"]) == (
        title(first).decode(encoding),
        title(late).decode(encoding),
    )


def test_a_file_within_one_block_is_read_in_memory(tmp_path: Path) -> None:
    source = tmp_path / "log.csv"
    source.write_text(_log(20))
    raw = read_table(source, spool=tmp_path / "rows.parquet")
    assert raw.spooled is None and raw.num_rows == raw.table.num_rows
    assert not (tmp_path / "rows.parquet").exists()


def test_the_spooled_table_keeps_first_rows_and_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "log.csv"
    source.write_text(_log(900))
    monkeypatch.setattr(spooled_text, "BLOCK_BYTES", 1000)
    monkeypatch.setattr(spooled_text, "FIRST_ROWS", 50)
    spooled = read_table(source, spool=tmp_path / "rows.parquet")
    whole = read_table(source)
    assert spooled.spooled == tmp_path / "rows.parquet"
    assert spooled.num_rows == whole.num_rows and spooled.table.num_rows == 50
    assert spooled.table.column_names == whole.table.column_names
    assert spooled.table.equals(whole.table.slice(0, 50))
    rows = pd.read_parquet(spooled.spooled)
    assert rows["_line"].tolist() == whole.line_numbers.tolist()
    assert rows["_c4"].tolist() == whole.table.column("title").to_pylist()
    assert spooled.malformed == whole.malformed and spooled.warnings == whole.warnings


def test_a_failing_spool_write_is_not_blamed_on_the_gzip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "log.csv.gz"
    source.write_bytes(gzip.compress(_log(300).encode()))
    monkeypatch.setattr(spooled_text, "BLOCK_BYTES", 700)

    def disk_full(self, table, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spooled_text.pq.ParquetWriter, "write_table", disk_full)
    with pytest.raises(OSError, match="No space left"):
        read_table(source, spool=tmp_path / "rows.parquet")


def _jsonl(rows: int) -> str:
    """Flat event records: ids, ISO times, a price with gaps, a key some records lack,
    blank lines, one record that is not an object."""
    lines = []
    for i in range(rows):
        record = {
            "user_id": f"U{i % 23}",
            "item_id": f"P{i % 17:03d}",
            "timestamp": f"2024-01-{1 + i % 28:02d}T10:{i % 60:02d}:00Z",
            "event_type": ["view", "cart", "purchase"][i % 3],
            "price": None if i % 7 == 0 else round(1.5 + i % 11, 2),
        }
        if i % 5:
            record["title"] = f"Product {i % 17} ☕"
        lines.append(json.dumps(record, ensure_ascii=False))
        if i % 40 == 39:
            lines.append("")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("packing", ["plain", "gzip"])
def test_flat_json_lines_read_the_same_in_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, packing: str
) -> None:
    text = _jsonl(600).encode()
    source = tmp_path / ("log.jsonl" if packing == "plain" else "log.jsonl.gz")
    source.write_bytes(text if packing == "plain" else gzip.compress(text))
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=2000)
    assert seen and seen[0] is not None and seen[0].rows == 600  # read block by block
    assert seen[0].layout.format == "jsonl"
    assert_same_dataset(whole, blocks)
    assert blocks.read_events("d")["line"].max() == 600 + 14  # the 14 blank lines before it


@pytest.mark.parametrize(
    "late",
    [
        '{"user_id": "U1", "item_id": "P1", "timestamp": "2024-02-01T00:00:00Z", "tags": [1]}',
        '{"user_id": "U1", "item_id": "P1", "timestamp": "2024-02-01T00:00:00Z", "extra": 1}',
        '{"user_id": "U1", "item_id": "P1", "timestamp": "2024-02-01T00:00:00Z", "price": "n/a"}',
        "[1, 2, 3]",
        "{not json",
    ],
    ids=["nested value", "new key", "other type", "not an object", "broken line"],
)
def test_json_lines_a_later_block_contradicts_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: str
) -> None:
    source = tmp_path / "log.jsonl"
    # Forty such lines: a whole later block of them, read alone (its own types) or mixed.
    source.write_text(_jsonl(300) + "\n".join([late] * 40) + "\n" + _jsonl(20))
    whole, blocks, seen = _ingest_both(source, tmp_path, monkeypatch, block=2000)
    assert seen == [None]  # the blocks gave way to the whole read
    assert_same_dataset(whole, blocks)


def test_a_later_json_block_must_fit_the_first_blocks_columns() -> None:
    """What the whole file's reading would give: keys a block lacks are null, a null-only
    key takes the first block's type; a new key or another type ends block reading."""
    schema = pa.schema([("user_id", pa.string()), ("price", pa.float64())])
    fitted = spooled_text._same_columns(pa.table({"price": pa.nulls(2)}), schema)
    assert fitted.schema == schema and fitted.column("user_id").null_count == 2
    for table in (
        pa.table({"user_id": ["a"], "price": ["n/a"]}),
        pa.table({"user_id": ["a"], "price": [1.0], "extra": [1]}),
    ):
        with pytest.raises(spooled_text._Contradicted):
            spooled_text._same_columns(table, schema)
