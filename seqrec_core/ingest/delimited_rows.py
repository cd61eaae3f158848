"""Split delimited text into rows, each traced back to the physical line it starts on.

`split_delimited` is the one entry point. pyarrow's multithreaded CSV reader splits the
rows, but on several threads it cannot say on which line a row or a bad record starts.
When every line is one record (no blank lines, bad records or quoted line breaks, which
pyarrow's row count confirms), row i sits on line i. Otherwise a numpy scan of the bytes
(`bytescan.record_spans`) says where each record starts, checked against pyarrow's counts;
where quoting is irregular or the two disagree, Python's csv module splits the text
instead: slower, but rows and line numbers then come from one parser. Every value stays
the exact string written; records of the wrong width become `MalformedRow`s.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from seqrec_core import schema
from seqrec_core.errors import InputError
from seqrec_core.ingest import bytescan
from seqrec_core.ingest.bytescan import TextBytes
from seqrec_core.ingest.quality import short_list
from seqrec_core.ingest.sniff import QUOTE, TextLayout

_DAT_STANDINS: Final = (b"\x1f", b"\x1e", b"\x1d", b"\x1c")  # one-byte stand-ins for "::"
TEXT_LIMIT: Final = 500
# An event log or catalog has a few dozen columns; thousands mean a pivoted or transposed
# export, which no mapping can use and whose SQL would grow with every column.
MAX_COLUMNS: Final = 1000


@dataclass(frozen=True)
class MalformedRow:
    """A record that could not be split into the table's number of fields."""

    line: int  # 1-based physical line where the record starts
    text: str  # the raw record, cut to about 500 characters
    message: str  # e.g. "expected 5 fields, found 7"


@dataclass(frozen=True)
class Parsed:
    """Rows as a format reader split them, before `readers.RawTable` adds the file's metadata."""

    table: pa.Table
    lines: np.ndarray
    malformed: tuple[MalformedRow, ...] = ()
    has_header: bool = True
    warnings: tuple[str, ...] = ()


def split_delimited(body: TextBytes, layout: TextLayout, *, complete: bool, name: str) -> Parsed:
    """Split a UTF-8 delimited text into string columns named from its header.

    Args:
        body: the text, UTF-8 without byte-order mark.
        layout: what `sniff.sniff_layout` found.
        complete: False when `body` is a prefix; its last, maybe cut, record is dropped.
        name: the file's display name, for errors.
    """
    delimiter = layout.delimiter or ","
    standin = ""
    if layout.format == "dat":
        # pyarrow splits on one byte only; any control byte absent from the text will do.
        free = next((s for s in _DAT_STANDINS if not bytescan.contains(body, s)), None)
        if free is None:
            raise InputError(
                "the file holds control bytes where text was expected",
                file=name,
                hint="export it again as CSV UTF-8",
            )
        body, standin = bytes(body).replace(b"::", free), free.decode()
        delimiter = standin
    if not complete:
        body = body[: bytescan.end_of_last_record(body, quoting=layout.quoting)] or body
    split = _split_with_arrow(body, delimiter, layout) or _split_with_csv(body, delimiter, layout)
    table, lines, malformed = split
    if standin:
        malformed = [
            MalformedRow(m.line, m.text.replace(standin, "::"), m.message) for m in malformed
        ]
    header = None
    if layout.has_header and table.num_rows:
        header = [table.column(i)[0].as_py() for i in range(table.num_columns)]
        table, lines = table.slice(1), lines[1:]
    names, warnings = column_names(header, layout.width, layout.format)
    return Parsed(table.rename_columns(names), lines, tuple(malformed), layout.has_header, warnings)


def _split_with_arrow(
    body: TextBytes, delimiter: str, layout: TextLayout
) -> tuple[pa.Table, np.ndarray, list[MalformedRow]] | None:
    """Split with pyarrow and number the lines with numpy; None where the two disagree."""
    # Quoted line breaks make pyarrow's parallel reading much slower, so it is told only
    # when a line holds an odd number of quotes, the mark of a field that spans lines.
    multiline = (
        layout.quoting
        and bytescan.contains(body, QUOTE.encode())
        and bytescan.odd_quotes_on_a_line(body)
    )
    width = layout.width
    names = [f"c{i}" for i in range(width)]
    # With several threads pyarrow cannot tell the handler a row's line: only its width.
    found: list[int] = []

    def skip(row: pacsv.InvalidRow) -> str:
        found.append(row.actual_columns)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char=QUOTE if layout.quoting else False,
                newlines_in_values=multiline,
                invalid_row_handler=skip,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # the text was validated or transcoded before
            ),
        )
    except pa.ArrowInvalid:
        return None
    if not found:
        lines = _one_record_per_line(body, table.num_rows)
        if lines is not None:
            return table, lines, []
    spans = bytescan.record_spans(body, delimiter, quoting=layout.quoting)
    if spans is None:
        return None
    counts = np.full(len(spans.starts), width)
    if found:
        counts = bytescan.field_counts(body, spans, delimiter, quoting=layout.quoting)
    bad = counts != width
    if sorted(found) != sorted(counts[bad].tolist()) or (~bad).sum() != table.num_rows:
        return None
    malformed = [
        MalformedRow(
            int(spans.lines[i]),
            body[spans.starts[i] : min(spans.ends[i], spans.starts[i] + 4 * TEXT_LIMIT)].decode(
                "utf-8", errors="replace"
            )[:TEXT_LIMIT],
            _width_message(width, int(counts[i])),
        )
        for i in np.flatnonzero(bad)
    ]
    return table, spans.lines[~bad], malformed


def _one_record_per_line(body: TextBytes, rows: int) -> np.ndarray | None:
    """Line numbers 1..rows when every line is one record, else None.

    pyarrow skips blank lines and joins the lines of a quoted line break, so with no record
    skipped as malformed, `rows` equals the number of lines exactly when neither happened.
    Lines are counted at "\n"; a bare carriage return, which pyarrow also takes as a line
    end, sends the text to the slower path.
    """
    if bytescan.has_bare_cr(body):
        return None
    lines = bytescan.count_byte(body, ord("\n")) + (body[-1:] != b"\n")
    return np.arange(1, rows + 1, dtype=np.int64) if lines == rows else None


def _split_with_csv(
    body: TextBytes, delimiter: str, layout: TextLayout
) -> tuple[pa.Table, np.ndarray, list[MalformedRow]]:
    """Split with Python's csv module, which also counts the lines each record spans."""
    consumed: list[str] = []

    def physical_lines() -> Iterator[str]:
        for line in io.StringIO(str(body, "utf-8", errors="replace"), newline=""):
            consumed.append(line)
            yield line

    reader = csv.reader(
        physical_lines(),
        delimiter=delimiter,
        quotechar=QUOTE,
        quoting=csv.QUOTE_MINIMAL if layout.quoting else csv.QUOTE_NONE,
        strict=False,
    )
    width = layout.width
    columns: list[list[str]] = [[] for _ in range(width)]
    lines: list[int] = []
    malformed: list[MalformedRow] = []
    while True:
        start = reader.line_num + 1
        problem = None
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row, problem = [], f"could not split the record: {exc}"
        text = "".join(consumed).rstrip("\r\n")
        consumed.clear()
        if len(row) == width:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
            lines.append(start)
        elif row or problem:
            problem = problem or _width_message(width, len(row))
            malformed.append(MalformedRow(start, text[:TEXT_LIMIT], problem))
    table = pa.table({f"c{i}": pa.array(values, pa.string()) for i, values in enumerate(columns)})
    return table, np.asarray(lines, dtype=np.int64), malformed


def first_rows(parsed: Parsed, rows: int) -> Parsed:
    """Keep the first `rows` rows and the malformed records met before the next one."""
    if parsed.table.num_rows <= rows:
        return parsed
    stop = int(parsed.lines[rows])
    return Parsed(
        parsed.table.slice(0, rows),
        parsed.lines[:rows],
        tuple(m for m in parsed.malformed if m.line < stop),
        parsed.has_header,
        parsed.warnings,
    )


def check_width(width: int, name: str, *, header: bool) -> None:
    """Refuse a table of more than `MAX_COLUMNS` columns with a message that says so.

    Raises:
        InputError: `width` is over `MAX_COLUMNS`.
    """
    if width <= MAX_COLUMNS:
        return
    what = "the header names" if header else "the rows have"
    raise InputError(
        f"{what} {width:,} columns, more than the {MAX_COLUMNS:,} a table may have",
        file=name,
        line=1 if header else None,
        hint="export only the columns the log needs (user, item, time, event type and a "
        "few more), one row per event",
    )


def column_names(
    header: Sequence[str | None] | None, width: int, fmt: str
) -> tuple[list[str], tuple[str, ...]]:
    """Header cells as column names: trimmed, atomic suffixes dropped, blanks and repeats named."""
    if header is None:
        return [f"column_{i}" for i in range(1, width + 1)], ()
    names: list[str] = []
    taken: set[str] = set()
    blanks: list[str] = []
    repeats: list[str] = []
    for index, cell in enumerate(header, 1):
        name = (cell or "").strip()
        if fmt == "atomic":
            name = schema.strip_atomic_suffix(name)
        if not name:
            name = f"column_{index}"
            blanks.append(name)
        base, repeat = name, 2
        while name in taken:
            name, repeat = f"{base}_{repeat}", repeat + 1
        if name != base:
            repeats.append(f"{base!r} as {name!r}")
        names.append(name)
        taken.add(name)
    warnings = []
    if blanks:
        warnings.append(f"{len(blanks):,} header cell(s) are empty; named {short_list(blanks)}")
    if repeats:
        warnings.append(f"repeated column names were made unique: {short_list(repeats)}")
    return names, tuple(warnings)


def _width_message(width: int, found: int) -> str:
    return f"expected {width} field{'s' * (width != 1)}, found {found}"
