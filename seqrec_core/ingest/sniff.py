"""Look at the raw bytes of an upload and say what they are, before anything parses them.

`container` names the wrapper (gzip, zip, Parquet, old Excel or plain text), `detect_encoding`
and `to_utf8` settle the text encoding, `looks_binary` rejects what is not text at all,
and `sniff_layout` finds the text format, delimiter, header and width from a sample.
Everything here looks at a sample or scans bytes; `delimited_rows` and `readers` do the parsing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from seqrec_core import schema
from seqrec_core.ingest import bytescan
from seqrec_core.ingest.bytescan import TextBytes

DELIMITERS: Final = (",", ";", "\t", "|")
QUOTE: Final = '"'
ATOMIC_EXTENSIONS: Final = frozenset({".inter", ".item", ".user", ".kg", ".link", ".net"})
_DELIMITER_HINTS: Final = {".tsv": "\t", ".tab": "\t", ".psv": "|"}
_SAMPLE_ROWS: Final = 200
SAMPLE_BYTES: Final = 1 << 16  # the layout is sniffed on this much text...
_SAMPLE_MAX: Final = 1 << 24  # ...or more, up to this, to hold the first two lines whole
_CHUNK: Final = 1 << 24  # decode in 16 MiB pieces so memory stays bounded
_VALUE_RE: Final = re.compile(
    r"^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$"  # numbers, decimal comma included
    r"|^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$"  # ISO dates and times
    r"|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( .*)?$"  # 12/1/2010 8:26, 01.12.2010
)
# Bytes that never occur in a text table (tab, newlines and form feed are allowed).
_CONTROL: Final = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])
LEGACY_ENCODINGS: Final = ("cp1252", "latin-1")  # what `detect_encoding` says when not UTF
_CP1252_UNDEFINED: Final = [0x81 - 0x80, 0x8D - 0x80, 0x8F - 0x80, 0x90 - 0x80, 0x9D - 0x80]


@dataclass(frozen=True)
class TextLayout:
    """How a text table is laid out, as far as a sample shows."""

    format: str  # "csv" | "tsv" | "dat" | "atomic" | "jsonl" | "json"
    delimiter: str | None  # "::" for dat; None for JSON
    quoting: bool  # whether '"' opens a quoted field
    has_header: bool
    width: int  # fields per record (header's count, else the most common count)
    warnings: tuple[str, ...] = ()


def container(head: bytes) -> str:
    """The wrapper of a file, from its first bytes: gzip, zip, parquet, ole2 or text."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole2"  # old .xls workbooks
    return "text"


def sample_end(body: TextBytes) -> int:
    """Where the sniffed sample ends: 64 KiB, or further so that a long header line and the
    line after it are whole (a cut header would be taken for a narrower table)."""
    first = body.find(b"\n", 0, _SAMPLE_MAX)
    if first < SAMPLE_BYTES:  # a short first line, or none that ends within reach
        return SAMPLE_BYTES
    second = body.find(b"\n", first + 1, _SAMPLE_MAX)
    return second + 1 if second >= 0 else _SAMPLE_MAX


def detect_encoding(data: TextBytes, *, complete: bool = True) -> str:
    """The text encoding: utf-8, utf-8-sig, utf-16, cp1252 or latin-1.

    UTF-8 is tried strictly over all of `data` first, because Latin-1 decodes any bytes and
    would hide a wrong guess. Windows exports (cp1252) differ from Latin-1 only in 0x80-0x9F,
    where they hold the euro sign and curly quotes. `complete` is False for a prefix, whose
    last character may be cut.
    """
    head = data[:4]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if bytescan.is_ascii(data) or first_invalid_utf8(data, complete=complete) is None:
        return "utf-8"
    c1 = _c1_counts(data)
    return "cp1252" if c1.any() and not c1[_CP1252_UNDEFINED].any() else "latin-1"


def legacy_warnings(encoding: str) -> tuple[str, ...]:
    """What a reader says about an encoding that is not UTF-8 (nothing for UTF-8)."""
    if encoding in LEGACY_ENCODINGS:
        return (f"the file is not UTF-8; it was read as {encoding}",)
    return ()


def _c1_counts(data: TextBytes) -> np.ndarray:
    """(32,) how often each byte 0x80-0x9F occurs: where cp1252 and Latin-1 differ."""
    return bytescan.byte_counts(data)[0x80:0xA0]


def settles_latin1(data: TextBytes) -> bool:
    """True when bytes of `data` are undefined in cp1252: a file holding them is Latin-1
    whatever else it holds (`detect_encoding`)."""
    return bool(_c1_counts(data)[_CP1252_UNDEFINED].any())


def has_c1_bytes(data: TextBytes) -> bool:
    """True when `data` holds bytes 0x80-0x9F (cp1252's euro sign, curly quotes, ...)."""
    return bool(_c1_counts(data).any())


def first_invalid_utf8(data: TextBytes, *, complete: bool = True) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None; decodes in bounded chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for offset in range(0, len(data), _CHUNK):
        try:
            decoder.decode(view[offset : offset + _CHUNK])
        except UnicodeDecodeError as exc:
            return offset + exc.start
    try:
        decoder.decode(b"", final=complete)
    except UnicodeDecodeError:
        return len(data) - len(decoder.getstate()[0])
    return None


def to_utf8(data: TextBytes, encoding: str, *, complete: bool = True) -> TextBytes:
    """`data` as UTF-8 without a byte-order mark; line breaks stay where they were."""
    if encoding == "utf-8":
        return data
    if encoding == "utf-8-sig":
        return data[len(codecs.BOM_UTF8) :]
    text = codecs.getincrementaldecoder(encoding)().decode(data, final=complete)
    return text.removeprefix("\ufeff").encode("utf-8")


def looks_binary(sample: bytes) -> bool:
    """Whether a sample holds NUL bytes or more than 1% control bytes: not a text table."""
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls > 0.01 * len(sample)


def sniff_layout(text: str, extension: str, *, complete: bool) -> TextLayout:
    """Guess format, delimiter, header and width from the start of a decoded text.

    Args:
        text: the first kilobytes of the file, decoded.
        extension: the original file extension (".csv", ".tsv", ".inter", ...), a hint only.
        complete: whether `text` is the whole file (else its last record may be cut).
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return TextLayout("jsonl", None, False, True, 0)
    if stripped.startswith("["):
        return TextLayout("json", None, False, True, 0)
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()][:_SAMPLE_ROWS]
    if not complete and len(lines) > 1:
        lines = lines[:-1]
    if lines and all("::" in line for line in lines):
        rows = [line.split("::") for line in lines]
        return _layout("dat", "::", False, rows, force_header=None)
    first_cells = lines[0].split("\t") if lines else []
    atomic = any(schema.has_atomic_suffix(cell.strip()) for cell in first_cells)
    if len(first_cells) > 1 and (atomic or extension in ATOMIC_EXTENSIONS):
        # RecBole writes atomic files unquoted with one header line; titles may hold quotes.
        rows = [line.split("\t") for line in lines]
        return _layout("atomic", "\t", False, rows, force_header=True)
    delimiter, rows = _pick_delimiter(text, _DELIMITER_HINTS.get(extension), complete)
    return _layout("tsv" if delimiter == "\t" else "csv", delimiter, True, rows, force_header=None)


def _pick_delimiter(text: str, hint: str | None, complete: bool) -> tuple[str, list[list[str]]]:
    """The delimiter whose split gives the most consistent field count above one."""
    best: tuple[tuple[bool, float, int, int], str, list[list[str]]] | None = None
    for rank, delimiter in enumerate(DELIMITERS):
        rows = split_rows(text, delimiter, quoting=True, complete=complete)
        if not rows:
            continue
        width, share = _mode_share(rows)
        if width < 2:
            continue
        score = (delimiter == hint and share >= 0.9, share, width, -rank)
        if best is None or score > best[0]:
            best = (score, delimiter, rows)
    if best is None:
        return hint or ",", split_rows(text, hint or ",", quoting=True, complete=complete)
    return best[1], best[2]


def split_rows(text: str, delimiter: str, *, quoting: bool, complete: bool) -> list[list[str]]:
    """The first non-blank records of `text` split with Python's csv module."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar=QUOTE,
        quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE,
        strict=False,
    )
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) > _SAMPLE_ROWS:
                break
    except csv.Error:
        pass  # a sample cut inside a huge field: judge by the rows split so far
    if not complete and len(rows) > 1:
        rows.pop()  # may be cut short by the end of the sample
    return rows


def detect_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether the first row names the columns rather than holding data.

    A cell votes for a header when it is a known column alias or a word above a column of
    numbers and dates; it votes against when it is empty, a number or date itself, or a
    value that recurs further down its column. With no votes either way (all-text columns
    of unknown names) a header is assumed, as nearly every export has one.
    """
    first, rest = rows[0], rows[1:]
    votes_for = votes_against = 0
    for index, raw in enumerate(first):
        name = raw.strip()
        column = [row[index].strip() for row in rest if index < len(row) and row[index].strip()]
        if not name or _VALUE_RE.match(name) or name in column:
            votes_against += 1
        elif _names_a_column(name, column):
            votes_for += 1
    return votes_for > votes_against or votes_for == votes_against == 0


def _names_a_column(name: str, column: Sequence[str]) -> bool:
    """A known column alias, or a word above a column of numbers and dates."""
    if schema.guess_field(name) or schema.has_atomic_suffix(name):
        return True
    values = sum(bool(_VALUE_RE.match(value)) for value in column)
    return bool(column) and values >= 0.9 * len(column)


def _layout(
    fmt: str, delimiter: str, quoting: bool, rows: list[list[str]], *, force_header: bool | None
) -> TextLayout:
    if not rows:
        return TextLayout(fmt, delimiter, quoting, False, 1)
    has_header = detect_header(rows) if force_header is None else force_header
    warnings: list[str] = []
    if has_header:
        width = len(rows[0])
        data_width, share = _mode_share(rows[1:]) if len(rows) > 1 else (width, 1.0)
        if data_width != width and share >= 0.5:
            warnings.append(
                f"the header names {width} columns but most rows have {data_width} fields; "
                "rows of the wrong length are reported as malformed"
            )
    else:
        width = _mode_share(rows)[0]
    if width == 1:
        warnings.append(
            "only one column was found; if the file is a table, its delimiter is none of "
            "comma, semicolon, tab or '|' — export it again as CSV"
        )
    return TextLayout(fmt, delimiter, quoting, has_header, width, tuple(warnings))


def _mode_share(rows: Sequence[Sequence[str]]) -> tuple[int, float]:
    """The most common field count and the share of rows that have it."""
    counts = Counter(len(row) for row in rows)
    width, hits = max(counts.items(), key=lambda item: (item[1], item[0]))
    return width, hits / len(rows)
