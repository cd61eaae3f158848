"""Readers for Excel and JSON Lines (Parquet has its own module, `parquet_reading`).

Each returns a `delimited_rows.Parsed`: the table, the line (sheet row, or physical line)
of every row, and the records that could not be read. JSON Lines keep their own column
types, except that nested JSON values become JSON strings and JSON date strings stay
strings; Excel cells become the strings a person would type.

Two guards run before a parser sees the bytes: JSON records nesting deeper than
`MAX_JSON_DEPTH` are refused (pyarrow's reader crashes the process on very deep ones, Python's
raises RecursionError), and a workbook whose parts inflate past the upload limit is refused
from its zip directory before openpyxl starts reading it.

Reading a big sheet takes a while (half a minute for half a million rows), so `read_xlsx`
can report the sheet rows read so far, every `XLSX_ROWS_PER_REPORT` rows and once at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from typing import IO, Any, Final
from xml.etree.ElementTree import ParseError

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from seqrec_core.errors import InputError
from seqrec_core.ingest import sniff
from seqrec_core.ingest.bytescan import TextBytes, first_too_deep_line, record_spans
from seqrec_core.ingest.delimited_rows import (
    TEXT_LIMIT,
    MalformedRow,
    Parsed,
    check_width,
    column_names,
)
from seqrec_core.ingest.open_upload import BROKEN, check_workbook_size, damaged
from seqrec_core.ingest.quality import short_list

_EXACT_FLOAT: Final = 2**53  # Excel keeps numbers as doubles: integers above this are rounded
_JSON_KINDS: Final = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}
# Deeper records are refused before parsing: real exports nest a few levels, while a record
# nesting thousands of levels crashes pyarrow's reader (and the server process with it).
MAX_JSON_DEPTH: Final = 64
XLSX_ROWS_PER_REPORT: Final = 20_000  # openpyxl reads 5,000-13,000 rows/s: a report every 2-4 s

RowsRead = Callable[[int], None]  # called with the number of rows read so far


def read_jsonl(body: TextBytes, name: str) -> Parsed:
    """JSON Lines (UTF-8): pyarrow when every line is an object of stable types, else Python.

    Raises:
        InputError: a record nests deeper than `MAX_JSON_DEPTH`, checked before parsing.
    """
    line = first_too_deep_line(body, MAX_JSON_DEPTH)
    if line is not None:
        raise _too_deep(name, line)
    try:
        return _read_jsonl(body, name)
    except RecursionError as exc:  # belt and braces: the scan should have refused it
        raise _too_deep(name, None) from exc


def _too_deep(name: str, line: int | None) -> InputError:
    return InputError(
        f"the record nests arrays or objects more than {MAX_JSON_DEPTH} levels deep",
        file=name,
        line=line,
        hint="flatten the record (one key per value, nested parts as JSON text) "
        "or export the table as CSV",
    )


def _arrow_jsonl(body: TextBytes) -> Parsed | None:
    """pyarrow's reading (date strings kept as written, nested values still nested), or
    None when it cannot read every line as an object of one type per key."""
    try:
        table = pajson.read_json(pa.BufferReader(body))
        stamps = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
        if stamps:  # pyarrow turns ISO date strings into timestamps; keep them as written
            options = pajson.ParseOptions(
                explicit_schema=pa.schema([(column, pa.string()) for column in stamps]),
                unexpected_field_behavior="infer",
            )
            order = table.column_names
            table = pajson.read_json(pa.BufferReader(body), parse_options=options).select(order)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    spans = record_spans(body, ",", quoting=False)  # JSON strings cannot hold a raw newline
    if spans is None or len(spans.lines) != table.num_rows:
        return None
    return Parsed(table, spans.lines)


def read_flat_jsonl(body: TextBytes) -> Parsed | None:
    """A piece of JSON Lines read by pyarrow when every value is flat (no object or array),
    else None; what `spooled_text` reads a big file's blocks with, each block then read
    exactly as the whole file would be."""
    if first_too_deep_line(body, MAX_JSON_DEPTH) is not None:
        return None
    parsed = _arrow_jsonl(body)
    if parsed is None or any(pa.types.is_nested(f.type) for f in parsed.table.schema):
        return None
    return parsed


def _read_jsonl(body: TextBytes, name: str) -> Parsed:
    parsed = _arrow_jsonl(body)
    if parsed is None:
        return _read_jsonl_with_python(body, name)
    table = parsed.table
    for index, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = [_json_text(value) for value in table.column(index).to_pylist()]
            table = table.set_column(index, field.name, pa.array(values, pa.string()))
    return Parsed(table, parsed.lines)


def _read_jsonl_with_python(body: TextBytes, name: str) -> Parsed:
    """Line by line, so that a bad line becomes a MalformedRow instead of failing the file."""
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    for number, raw in enumerate(bytes(body).split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except RecursionError as exc:
            raise _too_deep(name, number) from exc
        except ValueError as exc:
            problem = f"not valid JSON: {exc}"
        else:
            if isinstance(value, dict):
                records.append(value)
                lines.append(number)
                continue
            kind = _JSON_KINDS.get(type(value), "a number")
            problem = f"{kind} where a JSON object was expected"
        text = raw.decode("utf-8", errors="replace").strip()[:TEXT_LIMIT]
        malformed.append(MalformedRow(number, text, problem))
    keys = list(dict.fromkeys(key for record in records for key in record))
    check_width(len(keys), name, header=True)  # before building a column per key
    table = pa.table({key: _json_column([r.get(key) for r in records]) for key in keys})
    kept = np.asarray(lines if keys else [], dtype=np.int64)
    return Parsed(table, kept, tuple(malformed))


def _json_column(values: list[Any]) -> pa.Array:
    """Arrow's own type where the values agree on one, else their JSON text."""
    values = [_json_text(v) if isinstance(v, dict | list) else v for v in values]
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array(
            [v if v is None or isinstance(v, str) else _json_text(v) for v in values], pa.string()
        )


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def read_xlsx(
    source: IO[bytes],
    name: str,
    sample_rows: int | None,
    limit: int,
    *,
    on_rows: RowsRead | None = None,
) -> Parsed:
    """The first non-empty sheet of an .xlsx workbook, every cell as text.

    Args:
        source: the workbook, a seekable binary file.
        name: the file's display name, for messages.
        sample_rows: read only about this many rows (a preview), or None for all.
        limit: the most bytes the workbook's parts may inflate to (the upload limit).
        on_rows: called with the sheet rows read so far (blank rows included), every
            `XLSX_ROWS_PER_REPORT` rows and once when a sheet is done; counts restart
            at each sheet, as an empty sheet is passed over for the next.

    Raises:
        InputError: the workbook is damaged, inflates past `limit`, or holds no data.
    """
    import openpyxl  # a tenth of a second: only for workbooks
    from openpyxl.utils.exceptions import InvalidFileException

    check_workbook_size(source, name, limit)
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (*BROKEN, InvalidFileException, KeyError, ValueError, ParseError) as exc:
        raise damaged(name, "Excel workbook", "open it in Excel, save it again") from exc
    rows: list[tuple[int, list[str]]] = []
    rounded = False
    try:
        titles = book.sheetnames
        for sheet in book.worksheets:
            rows, rounded = _sheet_rows(sheet, sample_rows, on_rows)
            if rows:
                break
    except (*BROKEN, KeyError, ValueError, ParseError) as exc:
        raise damaged(name, "Excel workbook", "open it in Excel, save it again") from exc
    finally:
        book.close()
    if not rows:
        raise InputError("the workbook has no data", file=name, hint="check the right file")
    warnings: list[str] = []
    if len(titles) > 1:
        warnings.append(
            f"the workbook has {len(titles)} sheets ({short_list(titles)}); "
            f"only {sheet.title!r} was read"
        )
    # A table placed further right starts with empty columns; they are not columns of it.
    skip = min(next(i for i, cell in enumerate(cells) if cell) for _, cells in rows)
    rows = [(number, cells[skip:]) for number, cells in rows]
    has_header = sniff.detect_header([cells for _, cells in rows[:200]])
    width = len(rows[0][1]) if has_header else max(len(cells) for _, cells in rows)
    check_width(width, name, header=has_header)
    header = rows.pop(0)[1] if has_header else None
    names, name_warnings = column_names(header, width, "xlsx")
    columns: list[list[str]] = [[] for _ in range(width)]
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    for number, cells in rows:
        if len(cells) > width:
            text = "\t".join(cells)[:TEXT_LIMIT]
            message = f"expected {width} cells under the header, found {len(cells)}"
            malformed.append(MalformedRow(number, text, message))
            continue
        for column, value in zip(columns, cells + [""] * (width - len(cells)), strict=True):
            column.append(value)
        lines.append(number)
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})
    if rounded:
        warnings.append(
            "some numbers have more than 15 digits, which Excel cannot store exactly; "
            "long ids were probably rounded — export them as text or CSV"
        )
    return Parsed(
        table,
        np.asarray(lines, dtype=np.int64),
        tuple(malformed),
        has_header,
        (*warnings, *name_warnings),
    )


def _sheet_rows(
    sheet: Any, limit: int | None, on_rows: RowsRead | None
) -> tuple[list[tuple[int, list[str]]], bool]:
    """(sheet row, cells as text without trailing blanks) of the non-blank rows, and whether
    any number was too long for Excel to keep exactly."""
    rows: list[tuple[int, list[str]]] = []
    rounded = False
    number = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        if on_rows is not None and number % XLSX_ROWS_PER_REPORT == 0:
            on_rows(number)
        rounded = rounded or any(isinstance(v, float) and abs(v) >= _EXACT_FLOAT for v in values)
        cells = [_cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append((number, cells))
            if limit is not None and len(rows) > limit:
                break
    if on_rows is not None and number % XLSX_ROWS_PER_REPORT:  # else just reported
        on_rows(number)
    return rows, rounded


def _cell_text(value: object) -> str:
    """A cell as a person would type it: 12 not 12.0, dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
