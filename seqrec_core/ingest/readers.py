"""Read any raw table a shop exports into one in-memory shape, `RawTable`.

Formats are recognised from content first, the file extension being a hint: CSV/TSV (plain,
gzip, or alone in a zip), MovieLens `::` .dat, RecBole atomic files, JSON Lines, Excel
.xlsx and Parquet (a file or a folder). Text formats keep every value as the exact string
written, so ids like `00123` survive, and every row keeps the physical line it starts on.
Records with the wrong number of fields are returned apart as `MalformedRow`s, never
dropped. Anything unreadable raises an `InputError` naming the file and what to do.

This module recognises the container and dispatches: `open_upload` opens plain, gzip and zip
content within the size limit, `sniff` recognises encodings and layouts, `delimited_rows` splits
delimited text (with `bytescan` for line numbers), `excel_parquet_jsonl` reads Excel and JSON
Lines, and `parquet_reading` Parquet. Given a `spool` file, a plain, gzip or zipped delimited
text or JSON Lines bigger than one block is read block by block into it instead of memory
(`spooled_text`), and so is a big Parquet file or folder, batch by batch (`spooled_parquet`),
with the same rows.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import numpy as np
import pyarrow as pa

from seqrec_core.errors import InputError
from seqrec_core.ingest import (
    delimited_rows,
    excel_parquet_jsonl,
    open_upload,
    parquet_reading,
    sniff,
    spooled_parquet,
    spooled_text,
)
from seqrec_core.ingest.bytescan import TextBytes
from seqrec_core.ingest.delimited_rows import MalformedRow, Parsed
from seqrec_core.ingest.excel_parquet_jsonl import RowsRead
from seqrec_core.ingest.open_upload import DEFAULT_MAX_BYTES, MAX_BYTES_ENV, max_upload_bytes

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "MalformedRow",
    "RawTable",
    "max_upload_bytes",
    "read_table",
]


@dataclass(frozen=True)
class RawTable:
    """A source table as read, before any mapping or validation.

    Text formats give every column as `pa.string()` exactly as written; Parquet and JSON
    Lines keep their own types (nested JSON values become JSON strings); Excel gives strings
    (whole numbers without ".0", dates in ISO 8601). `line_numbers[i]` is the physical line
    (Excel: the sheet row; Parquet: the row index + 1) where row `i` starts.
    """

    table: pa.Table
    line_numbers: np.ndarray
    source_name: str
    format: str  # "csv" | "tsv" | "dat" | "atomic" | "xlsx" | "parquet" | "jsonl"
    compression: str | None  # "gzip" | "zip" | None
    encoding: str | None  # "utf-8" | "utf-8-sig" | "utf-16" | "cp1252" | "latin-1" | None
    delimiter: str | None
    has_header: bool
    malformed: tuple[MalformedRow, ...]
    warnings: tuple[str, ...]
    # A big text or Parquet source read piece by piece (`spooled_text`, `spooled_parquet`):
    # every row is in this Parquet file (columns `_c0..`, `_line`); `table` and
    # `line_numbers` hold its first rows.
    spooled: Path | None = None
    spooled_rows: int = 0

    @property
    def num_rows(self) -> int:
        """Rows read (malformed records apart), spooled or in memory."""
        return self.spooled_rows if self.spooled is not None else self.table.num_rows


def read_table(
    path: Path,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    sample_rows: int | None = None,
    on_rows: RowsRead | None = None,
    spool: Path | None = None,
) -> RawTable:
    """Read a raw table file (or a folder of Parquet files) into a `RawTable`.

    Args:
        path: the file on disk; its name is never shown to the user.
        display_name: the name the user knows the file by, used in messages and as the
            format hint (defaults to the file's own name).
        max_bytes: size limit for the file and for its uncompressed content (None: the
            `SEQREC_MAX_UPLOAD_MB` setting, 1 GiB by default).
        sample_rows: read only about the first this many data rows (a quick preview).
        on_rows: called with the rows read so far while an Excel sheet or a spooled
            source is read (see `excel_parquet_jsonl.read_xlsx`).
        spool: where a plain, gzip or zipped delimited text or JSON Lines bigger than one
            block, or a Parquet file or folder bigger than `spooled_parquet.SPOOL_ABOVE`,
            is read to instead of memory (a Parquet file; `RawTable.spooled` then names it).

    Returns:
        The table with its line numbers, detected layout, malformed records and warnings.

    Raises:
        InputError: the file is missing, empty, too big, damaged or not a table.
    """
    path = Path(path)
    name = display_name or path.name
    limit = open_upload.max_upload_bytes() if max_bytes is None else max_bytes
    if path.is_dir():
        return _read_parquet_folder(path, name, limit, sample_rows, spool, on_rows)
    if not path.is_file():
        raise InputError("file not found", file=name, hint="check the path and upload it again")
    open_upload.check_size(path.stat().st_size, limit, name)
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise InputError("the file is empty", file=name, hint="export the table again")
    kind = sniff.container(head)
    suffixes = [s.lower() for s in Path(name).suffixes] or [path.suffix.lower()]  # hints only
    if kind == "parquet":
        if _spools(spool, sample_rows, path.stat().st_size):
            read = parquet_reading.parquet_file_batches(str(path), name)
            return _spooled_parquet(read, spool, name, on_rows)
        parsed = parquet_reading.read_parquet(str(path), name, sample_rows)
        return _raw(parsed, name, "parquet")
    if kind == "zip":
        with open_upload.open_zip(path, name) as archive:
            if not open_upload.is_workbook(archive):
                member = open_upload.zip_member(archive, name, limit)
                if spool is not None and sample_rows is None:
                    spooled = spooled_text.spool_zip_member(member, name, limit, spool, on_rows)
                    if spooled is not None:
                        return _spooled_raw(spooled, spool, name, "zip")
                data, complete = open_upload.load(member.read, name, limit, sample_rows)
                return _read_content(
                    data, complete, name, member.extension, sample_rows, "zip", limit, on_rows
                )
        # A file object, not the path: openpyxl refuses paths without an Excel extension.
        with path.open("rb") as handle:
            parsed = excel_parquet_jsonl.read_xlsx(
                handle, name, sample_rows, limit, on_rows=on_rows
            )
            return _raw(parsed, name, "xlsx")
    if kind == "ole2":
        raise _old_excel(name)
    if kind == "gzip":
        inner = suffixes[-2] if len(suffixes) > 1 and suffixes[-1] == ".gz" else ""
        if spool is not None and sample_rows is None:
            spooled = spooled_text.spool_delimited(path, name, "gzip", inner, limit, spool, on_rows)
            if spooled is not None:
                return _spooled_raw(spooled, spool, name, "gzip")
        data, complete = open_upload.load(
            open_upload.gzip_reader(path, name), name, limit, sample_rows
        )
        return _read_content(data, complete, name, inner, sample_rows, "gzip", limit, on_rows)
    if sample_rows is not None:
        data, complete = open_upload.load(open_upload.file_reader(path), name, limit, sample_rows)
        return _read_content(data, complete, name, suffixes[-1], sample_rows, None, limit)
    if spool is not None and path.stat().st_size > spooled_text.BLOCK_BYTES:
        spooled = spooled_text.spool_delimited(
            path, name, None, suffixes[-1], limit, spool, on_rows
        )
        if spooled is not None:
            return _spooled_raw(spooled, spool, name, None)
    mapped = open_upload.map_file(path)
    try:
        return _read_content(mapped, True, name, suffixes[-1], None, None, limit)
    finally:
        # Everything read was copied out; if a view still exists, the map closes with it.
        with contextlib.suppress(BufferError):
            mapped.close()


def _read_parquet_folder(
    folder: Path,
    name: str,
    limit: int,
    sample_rows: int | None,
    spool: Path | None,
    on_rows: RowsRead | None,
) -> RawTable:
    files = parquet_reading.parquet_files(folder)
    if not files:
        raise InputError(
            "the folder holds no .parquet files",
            file=name,
            hint="upload a folder of Parquet files, or one data file",
        )
    size = sum(path.stat().st_size for path in files)
    open_upload.check_size(size, limit, name)
    if _spools(spool, sample_rows, size):
        read = parquet_reading.parquet_folder_batches(folder, files, name)
        return _spooled_parquet(read, spool, name, on_rows)
    parsed = parquet_reading.read_parquet_folder(folder, files, name, sample_rows)
    return _raw(parsed, name, "parquet")


def _spools(spool: Path | None, sample_rows: int | None, size: int) -> TypeGuard[Path]:
    """Whether a Parquet source of `size` bytes on disk is read into `spool`."""
    return spool is not None and sample_rows is None and size > spooled_parquet.SPOOL_ABOVE


def _spooled_parquet(
    read: parquet_reading.ParquetBatches, spool: Path, name: str, on_rows: RowsRead | None
) -> RawTable:
    delimited_rows.check_width(len(read.schema), name, header=True)
    spooled = spooled_parquet.spool_parquet(read, spool, on_rows)
    return RawTable(
        table=spooled.first,
        line_numbers=np.arange(1, spooled.first.num_rows + 1, dtype=np.int64),
        source_name=name,
        format="parquet",
        compression=None,
        encoding=None,
        delimiter=None,
        has_header=True,
        malformed=(),
        warnings=(),
        spooled=spool,
        spooled_rows=spooled.rows,
    )


def _read_content(
    data: TextBytes,
    complete: bool,
    name: str,
    extension: str,
    sample_rows: int | None,
    compression: str | None,
    limit: int,
    on_rows: RowsRead | None = None,
) -> RawTable:
    """Read decompressed content: a text table, or Parquet/xlsx that came inside an archive.

    `complete` is False when `data` is only a prefix (a preview of a big file); `limit` is
    the upload limit, which also bounds what a workbook inside an archive may inflate to;
    `on_rows` hears the rows read so far of such a workbook.
    """
    if _is_blank(data):
        raise InputError("the file is empty", file=name, hint="export the table again")
    kind = sniff.container(data[:8])
    if kind == "parquet":
        parsed = parquet_reading.read_parquet(pa.BufferReader(bytes(data)), name, sample_rows)
        return _raw(parsed, name, "parquet", compression=compression)
    if kind == "zip" and open_upload.holds_workbook(bytes(data)):
        parsed = excel_parquet_jsonl.read_xlsx(
            io.BytesIO(bytes(data)), name, sample_rows, limit, on_rows=on_rows
        )
        return _raw(parsed, name, "xlsx", compression=compression)
    if kind == "ole2":
        raise _old_excel(name)
    encoding = sniff.detect_encoding(data, complete=complete)
    if encoding != "utf-16" and sniff.looks_binary(data[: sniff.SAMPLE_BYTES]):
        raise _not_text(name)
    body = _to_utf8(data, encoding, complete, name)
    if encoding == "utf-16" and sniff.looks_binary(body[: sniff.SAMPLE_BYTES]):
        raise _not_text(name)
    head = body[: sniff.sample_end(body)]
    layout = sniff.sniff_layout(
        head.decode("utf-8", errors="ignore"),
        extension,
        complete=complete and len(head) == len(body),
    )
    if layout.format == "json":
        raise InputError(
            "the file is one JSON array, not JSON Lines",
            file=name,
            hint="export one JSON object per line (JSON Lines), or CSV",
        )
    if layout.format == "jsonl":
        parsed = excel_parquet_jsonl.read_jsonl(
            body if complete else body[: body.rfind(b"\n") + 1] or body, name
        )
    else:
        delimited_rows.check_width(layout.width, name, header=layout.has_header)
        parsed = delimited_rows.split_delimited(body, layout, complete=complete, name=name)
    if sample_rows is not None:
        parsed = delimited_rows.first_rows(parsed, sample_rows)
    warnings = (*sniff.legacy_warnings(encoding), *layout.warnings, *parsed.warnings)
    return _raw(
        Parsed(parsed.table, parsed.lines, parsed.malformed, parsed.has_header, warnings),
        name,
        layout.format,
        compression=compression,
        encoding=encoding,
        delimiter=layout.delimiter,
    )


def _is_blank(data: TextBytes) -> bool:
    if data[: sniff.SAMPLE_BYTES].strip():
        return False
    return len(data) <= sniff.SAMPLE_BYTES or not bytes(data).strip()


def _to_utf8(data: TextBytes, encoding: str, complete: bool, name: str) -> TextBytes:
    try:
        if encoding == "utf-8-sig":
            bad = sniff.first_invalid_utf8(data, complete=complete)
            if bad is not None:
                raise UnicodeDecodeError(encoding, data, bad, bad + 1, "not UTF-8")
        return sniff.to_utf8(data, encoding, complete=complete)
    except UnicodeDecodeError as exc:
        marked = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputError(
            f"the file starts with a {marked} marker but holds bytes that are not {marked}",
            file=name,
            line=data[: exc.start].count(b"\n") + 1,
            hint="save it again as CSV UTF-8",
        ) from exc


def _raw(
    parsed: Parsed,
    name: str,
    fmt: str,
    *,
    compression: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    delimited_rows.check_width(parsed.table.num_columns, name, header=parsed.has_header)
    return RawTable(
        table=parsed.table,
        line_numbers=np.asarray(parsed.lines, dtype=np.int64),
        source_name=name,
        format=fmt,
        compression=compression,
        encoding=encoding,
        delimiter=delimiter,
        has_header=parsed.has_header,
        malformed=parsed.malformed,
        warnings=parsed.warnings,
    )


def _spooled_raw(
    spooled: spooled_text.Spooled, path: Path, name: str, compression: str | None
) -> RawTable:
    return RawTable(
        table=spooled.first,
        line_numbers=spooled.first_lines,
        source_name=name,
        format=spooled.layout.format,
        compression=compression,
        encoding=spooled.encoding,
        delimiter=spooled.layout.delimiter,
        has_header=spooled.layout.has_header,
        malformed=spooled.malformed,
        warnings=spooled.warnings,
        spooled=path,
        spooled_rows=spooled.rows,
    )


def _not_text(name: str) -> InputError:
    return InputError(
        "the file does not look like a text table (it holds binary data)",
        file=name,
        hint="export it as CSV, Excel .xlsx, Parquet or JSON Lines",
    )


def _old_excel(name: str) -> InputError:
    return InputError(
        "old Excel .xls workbooks cannot be read",
        file=name,
        hint="save it as .xlsx or CSV UTF-8 and upload that",
    )
