"""Vectorised scans over the raw bytes of a text table: line breaks, quotes, records.

pyarrow reads delimited text fast but, on several threads, cannot say on which line a row
or a bad record starts. These numpy scans can, in a few passes over the bytes: how many
lines there are, whether any quoted field spans lines, and where every record starts
(`record_spans`) when quoting follows RFC 4180, and how deeply each JSON Lines record nests
(`first_too_deep_line`, so that no JSON parser recurses without bound). Large inputs are
scanned in 1 MiB pieces so temporaries stay small.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from typing import Final, TypeAlias

import numpy as np

# A whole plain file is memory-mapped rather than read, which saves a copy; everything that
# scans text bytes accepts either.
TextBytes: TypeAlias = bytes | mmap.mmap

QUOTE: Final = b'"'
_CHUNK: Final = 1 << 20
_NEWLINE: Final = ord("\n")
_BACKSLASH: Final = ord("\\")
_OPEN_ARRAY, _OPEN_OBJECT, _CLOSE_ARRAY, _CLOSE_OBJECT = b"[{]}"


@dataclass(frozen=True)
class RecordSpans:
    """The non-blank records of a text: byte ranges and the 1-based line each starts on."""

    starts: np.ndarray  # int64 offset of each record's first byte
    ends: np.ndarray  # int64 offset just past its last byte, line break excluded
    lines: np.ndarray  # int64 physical line number of each record's first byte


def contains(data: TextBytes, needle: bytes) -> bool:
    """`needle in data`, fast for a memory map too (its `in` is a slow byte loop)."""
    return data.find(needle) >= 0


def is_ascii(data: TextBytes) -> bool:
    """Whether every byte is below 0x80."""
    if isinstance(data, bytes):
        return data.isascii()
    array = np.frombuffer(data, dtype=np.uint8)
    return not any(array[o : o + _CHUNK].max() >= 0x80 for o in range(0, len(array), _CHUNK))


def byte_counts(data: TextBytes) -> np.ndarray:
    """How often each of the 256 byte values occurs."""
    array = np.frombuffer(data, dtype=np.uint8)
    counts = np.zeros(256, dtype=np.int64)
    for offset in range(0, len(array), _CHUNK):
        counts += np.bincount(array[offset : offset + _CHUNK], minlength=256)
    return counts


def count_byte(data: TextBytes, byte: int) -> int:
    """How often `byte` occurs in `data` (numpy: about 5x faster than bytes.count)."""
    array = np.frombuffer(data, dtype=np.uint8)
    hits = np.empty(min(_CHUNK, len(array)), dtype=bool)
    total = 0
    for offset in range(0, len(array), _CHUNK):
        piece = array[offset : offset + _CHUNK]
        total += int(np.count_nonzero(np.equal(piece, byte, out=hits[: len(piece)])))
    return total


def odd_quotes_on_a_line(data: TextBytes) -> bool:
    """Whether some line holds an odd number of quotes (or the text ends inside quotes)."""
    array = np.frombuffer(data, dtype=np.uint8)
    carry = 0  # parity of the quotes on the line that runs into the next piece
    for offset in range(0, len(array), _CHUNK):
        piece = array[offset : offset + _CHUNK]
        quotes = (piece == QUOTE[0]).view(np.uint8)
        starts = np.concatenate(([0], np.flatnonzero(piece == ord("\n"))))
        parity = np.add.reduceat(quotes, starts) & 1  # uint8 sums wrap, parity survives
        if len(parity) == 1:  # no line ends in this piece
            carry ^= int(parity[0])
            continue
        if (parity[0] ^ carry) or parity[1:-1].any():
            return True
        carry = int(parity[-1])
    return bool(carry)


def end_of_last_record(data: TextBytes, *, quoting: bool) -> int:
    """Offset just past the last line break that ends a record (0 if none does)."""
    cut = data.rfind(b"\n") + 1
    if quoting and QUOTE in data[:cut]:
        breaks = positions(data, ord("\n"))
        quotes = positions(data, QUOTE[0])
        outside = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
        cut = int(outside[-1]) + 1 if len(outside) else 0
    return cut


def has_bare_cr(data: TextBytes) -> bool:
    """Whether a carriage return ends a line on its own (old Mac files)."""
    if not contains(data, b"\r"):
        return False
    returns = positions(data, ord("\r"))
    if returns[-1] == len(data) - 1:
        return True
    return bool((np.frombuffer(data, dtype=np.uint8)[returns + 1] != ord("\n")).any())


def positions(data: TextBytes, byte: int) -> np.ndarray:
    """Sorted int64 offsets of every occurrence of `byte` in `data`."""
    array = np.frombuffer(data, dtype=np.uint8)
    found = [
        np.flatnonzero(array[offset : offset + _CHUNK] == byte) + offset
        for offset in range(0, len(array), _CHUNK)
    ]
    return np.concatenate(found).astype(np.int64, copy=False) if found else np.zeros(0, np.int64)


def record_spans(data: TextBytes, delimiter: str, *, quoting: bool) -> RecordSpans | None:
    """Where every non-blank record of a delimited UTF-8 text starts and ends.

    A line break ends a record unless an odd number of quotes precede it. That parity rule
    is exact for regular RFC 4180 quoting, so the function first checks that every quote
    opens a field, closes one, or is half of a doubled quote; it returns None when the text
    has a quote anywhere else or a bare carriage return (old Mac line ends), and the caller
    falls back to an exact, slower parser.
    """
    if has_bare_cr(data):
        return None
    breaks = positions(data, ord("\n"))
    ends = breaks
    if quoting and contains(data, QUOTE):
        quotes = positions(data, QUOTE[0])
        if not _regular_quotes(data, quotes, delimiter):
            return None
        ends = breaks[np.searchsorted(quotes, breaks) % 2 == 0]
    starts = np.concatenate(([0], ends + 1)).astype(np.int64)
    ends = np.concatenate((ends, [len(data)])).astype(np.int64)
    array = np.frombuffer(data, dtype=np.uint8)
    has_cr = (ends > starts) & (array[np.maximum(ends - 1, 0)] == ord("\r"))
    ends = ends - has_cr
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    lines = np.searchsorted(breaks, starts).astype(np.int64) + 1
    return RecordSpans(starts, ends, lines)


def field_counts(
    data: TextBytes, spans: RecordSpans, delimiter: str, *, quoting: bool
) -> np.ndarray:
    """Number of fields in each record of `spans` (delimiters inside quotes do not count)."""
    cuts = positions(data, ord(delimiter))
    if quoting and contains(data, QUOTE):
        quotes = positions(data, QUOTE[0])
        cuts = cuts[np.searchsorted(quotes, cuts) % 2 == 0]
    return np.searchsorted(cuts, spans.ends) - np.searchsorted(cuts, spans.starts) + 1


def _regular_quotes(data: TextBytes, quotes: np.ndarray, delimiter: str) -> bool:
    """Whether every quote opens a field, closes one, or pairs with its neighbour."""
    if len(quotes) % 2:
        return False
    array = np.frombuffer(data, dtype=np.uint8)
    field_edge = np.array([ord(delimiter), ord("\n"), ord("\r")], dtype=np.uint8)
    opening, closing = quotes[0::2], quotes[1::2]
    before = array[np.maximum(opening - 1, 0)]
    opens_field = (opening == 0) | np.isin(before, field_edge)
    # An "opening" quote right after a closing one is the second half of a doubled quote.
    opens_field[1:] |= opening[1:] == closing[:-1] + 1
    after = array[np.minimum(closing + 1, len(array) - 1)]
    closes_field = (closing == len(array) - 1) | np.isin(after, field_edge)
    closes_field[:-1] |= closing[:-1] + 1 == opening[1:]
    return bool(opens_field.all() and closes_field.all())


def first_too_deep_line(data: TextBytes, limit: int) -> int | None:
    """The first line (1-based) of a JSON Lines text that nests deeper than `limit`, or None.

    Depth counts `[` and `{` minus `]` and `}` outside strings, from the start of each line:
    a JSON Lines string cannot span lines, and a quote after an odd run of backslashes does
    not end one. Parsers reject a stray closing bracket before it could hide an opening one,
    so the count never misses a depth a parser would reach. Pieces end at line breaks.
    """
    array = np.frombuffer(data, dtype=np.uint8)
    line, start = 1, 0
    while start < len(array):
        cut = data.find(b"\n", start + _CHUNK)
        stop = len(array) if cut < 0 else cut + 1
        piece = array[start:stop]
        hit = _first_too_deep(piece, limit)
        if hit is not None:
            return line + int(np.count_nonzero(piece[:hit] == _NEWLINE))
        line += int(np.count_nonzero(piece == _NEWLINE))
        start = stop
    return None


def _first_too_deep(piece: np.ndarray, limit: int) -> int | None:
    """Offset of the first bracket in `piece` that opens level `limit + 1` of its line."""
    is_open = (piece == _OPEN_ARRAY) | (piece == _OPEN_OBJECT)
    opens = np.flatnonzero(is_open)
    if len(opens) <= limit:
        return None
    breaks = np.flatnonzero(piece == _NEWLINE)
    starts = np.concatenate(([0], breaks + 1, [len(piece)]))
    if np.diff(np.searchsorted(opens, starts)).max() <= limit:
        return None  # no line holds enough brackets to go that deep, in strings or not
    brackets = np.flatnonzero(is_open | (piece == _CLOSE_ARRAY) | (piece == _CLOSE_OBJECT))
    line_of = np.searchsorted(breaks, brackets)  # index of each bracket's line in `piece`
    quotes = np.flatnonzero(piece == QUOTE[0])
    quotes = quotes[~_escaped(piece, quotes)]
    before = np.searchsorted(quotes, brackets) - np.searchsorted(quotes, starts[line_of])
    outside = before % 2 == 0
    brackets, line_of = brackets[outside], line_of[outside]
    if not len(brackets):
        return None
    step = np.where(is_open[brackets], 1, -1)
    depth = np.cumsum(step)
    first_on_line = np.concatenate(([True], line_of[1:] != line_of[:-1]))
    before_line = (depth - step)[first_on_line]  # running depth where each line starts
    depth -= before_line[np.cumsum(first_on_line) - 1]
    over = np.flatnonzero(depth > limit)
    return int(brackets[over[0]]) if len(over) else None


def _escaped(piece: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Whether each quote follows an odd run of backslashes (`\\"` is escaped, `\\\\"` not)."""
    escaped = np.zeros(len(quotes), dtype=bool)
    after = np.flatnonzero((quotes > 0) & (piece[quotes - 1] == _BACKSLASH))
    if not len(after):
        return escaped
    slashes = np.flatnonzero(piece == _BACKSLASH)
    run_begins = np.concatenate(([True], np.diff(slashes) != 1))
    run_start = slashes[np.maximum.accumulate(np.where(run_begins, np.arange(len(slashes)), 0))]
    last = np.searchsorted(slashes, quotes[after]) - 1  # the backslash just before each quote
    escaped[after] = (slashes[last] - run_start[last]) % 2 == 0
    return escaped
