"""Read a big delimited text block by block into a Parquet file, never whole in memory.

A plain, gzip or zipped CSV/TSV/.dat/atomic file larger than one block (`BLOCK_BYTES`) is
read in blocks cut at record ends (a quoted line break never splits), each split exactly as
a whole file would be (`delimited_rows.split_delimited`, line numbers shifted by the lines
before it) and appended to a Parquet file with the internal column names `_c0, _c1, ...`
and `_line`, which DuckDB then reads as the source of validation (`row_validation`).
Memory stays about one block of text and its table, whatever the file's size; every row,
line number, malformed record and warning is what the in-memory reader gives.

JSON Lines of flat records (no nested values) are read the same way, block by block with
pyarrow; a later block with a key, a type or a line the first block's reading would not
give (a nested value, a line that is not an object) makes it read whole instead.

The encoding and layout are judged on the first block. UTF-8 and the single-byte legacy
encodings a whole read would choose (cp1252, Latin-1: `sniff.detect_encoding`) are read
this way, each piece turned into UTF-8 on its own (a record end is the same byte in
both). When a later block contradicts the first (bytes that are not UTF-8; a byte
undefined in cp1252; in a Latin-1 file, the bytes 0x80-0x9F that would make the whole
file cp1252; a bare carriage return) or the first holds no row, reading stops and
`spool_delimited` answers None: the caller reads the file whole, as before.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seqrec_core.ingest import bytescan, delimited_rows, excel_parquet_jsonl, open_upload, sniff
from seqrec_core.ingest.delimited_rows import MalformedRow, Parsed
from seqrec_core.ingest.excel_parquet_jsonl import RowsRead
from seqrec_core.ingest.row_validation import LINE_COLUMN, source_names
from seqrec_core.ingest.sniff import TextLayout

BLOCK_BYTES: Final = 16 << 20  # text read and split at a time (tests lower it)
FIRST_ROWS: Final = 1000  # first rows kept in memory (the column mapping reads them)
_STREAMED_ENCODINGS: Final = ("utf-8", "utf-8-sig", *sniff.LEGACY_ENCODINGS)


class _Contradicted(Exception):
    """A later block does not fit what the first one said (encoding, line ends)."""


@dataclass(frozen=True)
class Spooled:
    """A big text table read into a Parquet file.

    Attributes:
        first: the first rows (`FIRST_ROWS`) under the table's own column names.
        first_lines: their line numbers.
        rows: every row written.
        malformed: records of the wrong width, with their lines.
        warnings: what the reader noticed (header cells, encoding).
        encoding / layout: what the first block said.
    """

    first: pa.Table
    first_lines: np.ndarray
    rows: int
    malformed: tuple[MalformedRow, ...]
    warnings: tuple[str, ...]
    encoding: str
    layout: TextLayout


class SpoolWriter:
    """Rows appended to the spool under the internal names `_c0..` with their `_line`;
    keeps the first `FIRST_ROWS` and counts the rows (telling `on_rows` after each add)."""

    def __init__(self, out: Path, types: list[pa.DataType], on_rows: RowsRead | None) -> None:
        self.names = source_names(len(types))
        fields = [pa.field(n, t) for n, t in zip(self.names, types, strict=True)]
        self._writer = pq.ParquetWriter(
            out, pa.schema([*fields, pa.field(LINE_COLUMN, pa.int64())])
        )
        self._heads: list[pa.Table] = []
        self._on_rows = on_rows
        self.rows = 0

    def add(self, table: pa.Table, lines: np.ndarray) -> None:
        """Append `table` (the source's columns in order, any names) read from `lines`."""
        spooled = table.rename_columns(self.names).append_column(
            LINE_COLUMN, pa.array(np.asarray(lines, dtype=np.int64))
        )
        self._writer.write_table(spooled)
        if self.rows < FIRST_ROWS:
            self._heads.append(spooled.slice(0, FIRST_ROWS - self.rows))
        self.rows += spooled.num_rows
        if self._on_rows is not None:
            self._on_rows(self.rows)

    def close(self) -> None:
        self._writer.close()

    def first_rows(self, names: list[str]) -> tuple[pa.Table, np.ndarray]:
        """The first rows under the source's column `names`, and their lines."""
        head = pa.concat_tables(self._heads)
        return head.drop_columns(LINE_COLUMN).rename_columns(names), head.column(
            LINE_COLUMN
        ).to_numpy()


def _read(handle: IO[bytes], name: str, gzipped: bool) -> bytes:
    """The next block of content; a damaged gzip stream is said to be one (only reading
    says so: an error writing the spool is not the upload's fault; a zip member's stream
    says so itself)."""
    try:
        return handle.read(BLOCK_BYTES)
    except open_upload.BROKEN as exc:
        if not gzipped:
            raise
        raise open_upload.damaged(name, "gzip file", "compress it again") from exc


def _blocks(
    handle: IO[bytes], packed: int, limit: int, name: str, compression: str | None
) -> Iterator[bytes]:
    """The content in `BLOCK_BYTES` pieces, within the size and inflation limits."""
    total, inflating = 0, compression is not None
    while block := _read(handle, name, compression == "gzip"):
        total += len(block)
        open_upload.check_size(total, limit, name, uncompressed=inflating)
        if inflating:
            open_upload.check_ratio(total, packed, name)
        yield block


def _records(blocks: Iterator[bytes], quoting: bool, first: bytes) -> Iterator[bytes]:
    """Pieces of text that each end at a record end (the last: wherever the text ends)."""
    carry = first
    for block in blocks:
        carry += block
        cut = bytescan.end_of_last_record(carry, quoting=quoting)
        if cut:
            yield carry[:cut]
            carry = carry[cut:]
    if carry:
        yield carry


@dataclass(frozen=True)
class _Encoding:
    """The encoding the first block showed, and what a later piece must not hold."""

    name: str
    latin1_settled: bool = False  # the first block holds a byte cp1252 does not define

    @classmethod
    def of_first(cls, head: bytes, name: str) -> _Encoding:
        return cls(name, name == "latin-1" and sniff.settles_latin1(head))

    def as_utf8(self, piece: bytes, first: bool) -> bytes:
        """A piece as UTF-8 without byte-order mark; _Contradicted where the whole file
        would be read in another encoding, or holds a bare carriage return."""
        if bytescan.has_bare_cr(piece):
            raise _Contradicted
        if self.name in ("utf-8", "utf-8-sig"):
            if first and self.name == "utf-8-sig":
                piece = piece[3:]
            if sniff.first_invalid_utf8(piece) is not None:
                raise _Contradicted
            return piece
        if self.name == "latin-1" and not self.latin1_settled and sniff.has_c1_bytes(piece):
            raise _Contradicted  # the whole file could be cp1252
        try:
            return piece.decode(self.name).encode("utf-8")
        except UnicodeDecodeError:  # a byte cp1252 leaves undefined: the file is Latin-1
            raise _Contradicted from None


def spool_delimited(
    path: Path,
    name: str,
    compression: str | None,
    extension: str,
    limit: int,
    out: Path,
    on_rows: RowsRead | None = None,
) -> Spooled | None:
    """Read the delimited text of `path` (plain, or `compression="gzip"`) into the
    Parquet file `out`, block by block.

    Returns:
        What was read; None when the content fits in one block, is not delimited text
        the blocks can follow (JSON, UTF-16, binary) or a block contradicts the first
        (bare carriage returns, bytes of another encoding; `out` is then removed): read
        it whole instead.

    Raises:
        InputError: as the in-memory reader would (limits, width, damaged gzip).
    """
    packed = path.stat().st_size
    with gzip.open(path, "rb") if compression == "gzip" else path.open("rb") as handle:
        return _spool(handle, packed, compression, name, extension, limit, out, on_rows)


def spool_zip_member(
    member: open_upload.ZipMember, name: str, limit: int, out: Path, on_rows: RowsRead | None
) -> Spooled | None:
    """`spool_delimited` for the one data file of a zip archive (None: read it whole,
    also when it is small enough to be read at once)."""
    if member.size <= BLOCK_BYTES:
        return None
    with member.stream() as handle:
        return _spool(handle, member.packed, "zip", name, member.extension, limit, out, on_rows)


def _spool(
    handle: IO[bytes],
    packed: int,
    compression: str | None,
    name: str,
    extension: str,
    limit: int,
    out: Path,
    on_rows: RowsRead | None,
) -> Spooled | None:
    blocks = _blocks(handle, packed, limit, name, compression)
    head = next(blocks, b"")
    if len(head) < BLOCK_BYTES:
        return None
    layout, encoding = _judge(head, extension)
    if layout is None:
        return None
    try:
        # (JSON Lines are sniffed without quoting: a JSON string holds no raw line break.)
        pieces = _records(blocks, layout.quoting, head)
        return _write(pieces, layout, _Encoding.of_first(head, encoding), name, out, on_rows)
    except _Contradicted:
        out.unlink(missing_ok=True)
        return None


def _judge(head: bytes, extension: str) -> tuple[TextLayout | None, str]:
    """The layout and encoding the first block shows; no layout where blocks cannot follow."""
    encoding = sniff.detect_encoding(head, complete=False)
    if encoding not in _STREAMED_ENCODINGS or sniff.looks_binary(head[: sniff.SAMPLE_BYTES]):
        return None, encoding
    text = bytes(sniff.to_utf8(head, encoding, complete=False))
    sample = text[: sniff.sample_end(text)].decode("utf-8", errors="ignore")
    layout = sniff.sniff_layout(sample, extension, complete=False)
    return (None if layout.format == "json" else layout), encoding


def _same_columns(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A later block's table in the first block's columns and types: keys it lacks are
    null; a key it adds, or a type other than the first's, would make the whole file's
    reading differ, so `_Contradicted`."""
    if not set(table.column_names) <= set(schema.names):
        raise _Contradicted
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if column.type == field.type:
            columns.append(column)
        elif pa.types.is_null(column.type):
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            raise _Contradicted
    return pa.table(columns, schema=schema)


def _parse(text: bytes, layout: TextLayout, name: str, first: Parsed | None) -> Parsed:
    """One piece's rows, as a whole read would split them; `first`: the first piece's
    (None for the first piece itself, which alone may hold a header).

    JSON Lines are read so only when every record is flat and of one type per key
    (`excel_parquet_jsonl.read_flat_jsonl`) and a later piece fits the first's columns
    (`_same_columns`); anything else (a nested value, a line that is not an object, a key
    or type the first piece lacks) is `_Contradicted`, and the file is read whole.
    """
    if layout.format != "jsonl":
        piece_layout = layout if first is None else replace(layout, has_header=False)
        return delimited_rows.split_delimited(text, piece_layout, complete=True, name=name)
    parsed = excel_parquet_jsonl.read_flat_jsonl(text)
    if parsed is None:
        raise _Contradicted
    if first is None:
        delimited_rows.check_width(parsed.table.num_columns, name, header=True)
        return parsed
    return Parsed(_same_columns(parsed.table, first.table.schema), parsed.lines)


def _write(
    pieces: Iterator[bytes],
    layout: TextLayout,
    encoding: _Encoding,
    name: str,
    out: Path,
    on_rows: RowsRead | None,
) -> Spooled:
    """Every piece's rows into the spool, line numbers and malformed records shifted by
    the lines before the piece."""
    if layout.format != "jsonl":  # refused before a row is split (a 20,000-column header)
        delimited_rows.check_width(layout.width, name, header=layout.has_header)
    first: Parsed | None = None
    writer: SpoolWriter | None = None
    malformed: list[MalformedRow] = []
    lines_before = 0
    try:
        for index, piece in enumerate(pieces):
            parsed = _parse(encoding.as_utf8(piece, first=index == 0), layout, name, first)
            if first is None:
                if not parsed.table.num_rows:  # nothing to map the columns by
                    raise _Contradicted
                first = parsed
                writer = SpoolWriter(out, list(parsed.table.schema.types), on_rows)
            assert writer is not None
            malformed += [replace(m, line=m.line + lines_before) for m in parsed.malformed]
            writer.add(parsed.table, np.asarray(parsed.lines, dtype=np.int64) + lines_before)
            lines_before += piece.count(b"\n")
    finally:
        if writer is not None:
            writer.close()
    if first is None or writer is None:  # no piece at all: cannot happen after a full block
        raise _Contradicted
    head, head_lines = writer.first_rows(first.table.column_names)
    warnings = (*sniff.legacy_warnings(encoding.name), *layout.warnings, *first.warnings)
    return Spooled(head, head_lines, writer.rows, tuple(malformed), warnings, encoding.name, layout)
