"""A shop's own item embeddings: the uploaded file read, validated and aligned to a vocabulary.

A shop that already has vectors of its catalog (from an LLM, say) uploads them instead of
letting the bundled encoder make item text vectors. This module owns that file: reading it
(CSV plain/gzip/zip, Parquet, and whatever else `ingest.readers` reads, within the upload
size limit), recognising its two layouts (an id column plus one list column, or numbered
columns `e0..eN`), rejecting anything a model could not use with an `InputError` that names
the line and column, and lining the vectors up with an item vocabulary. Ids not in the
vocabulary and vocabulary items without a vector are not errors: `coverage` reports them.

Ids are text exactly as written, trimmed like the ingest trims them (so `00123` stays
`00123`, and `17850.0`, a float-typed export of an integer id, becomes `17850` on both
sides). Vectors are kept as given (not normalised), as float32.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from seqrec_core.errors import InputError
from seqrec_core.ingest.readers import RawTable, read_table

ID_COLUMNS: Final = ("item_id", "id", "item", "product_id")  # by priority, case-insensitive
VECTOR_COLUMNS: Final = ("vector", "embedding", "embeddings")
DEFAULT_MAX_DIM: Final = 8192
EXAMPLES: Final = 5
_NUMBERED: Final = re.compile(r"(e|emb_?|dim_?|f)(\d+)")  # e0, emb_0, dim_0, f0 ...
_WHOLE_FLOAT: Final = r"^(-?[0-9]+)\.0+$"
_LAYOUTS: Final = "an `item_id` column plus a `vector` column, or numbered columns e0, e1, …"


@dataclass(frozen=True)
class UserEmbeddings:
    """The vectors of one uploaded file, one row per item, in file order."""

    source: str  # the file's display name
    item_ids: tuple[str, ...]  # unique, in file order
    vectors: np.ndarray  # (N, D) float32, read-only

    def __post_init__(self) -> None:
        if self.vectors.dtype != np.float32 or self.vectors.shape[:1] != (len(self.item_ids),):
            raise ValueError("vectors must be float32 with one row per item id")

    @property
    def dim(self) -> int:
        """Width of the vectors (D)."""
        return int(self.vectors.shape[1])


@dataclass(frozen=True)
class EmbeddingsCoverage:
    """How an embeddings file and an item vocabulary overlap (an upload report's numbers)."""

    known: int  # ids of the file that are in the vocabulary
    unknown: int  # ids of the file not in it (kept out of the model)
    unknown_examples: tuple[str, ...]  # the first few, in file order
    missing: int  # vocabulary items the file has no vector for (they get none)
    missing_examples: tuple[str, ...]  # the first few, in vocabulary order


def read_user_embeddings(
    path: Path,
    *,
    display_name: str | None = None,
    max_bytes: int | None = None,
    max_dim: int = DEFAULT_MAX_DIM,
) -> UserEmbeddings:
    """Read and validate an item embeddings file.

    Args:
        path: the file on disk; its name is never shown to the user.
        display_name: the name the user knows the file by (defaults to the file's name).
        max_bytes: size limit of the file and of its uncompressed content (None: the
            upload limit, env `SEQREC_MAX_UPLOAD_MB`, 1 GiB by default).
        max_dim: the widest vector accepted.

    Returns:
        The ids in file order and their (N, D) float32 vectors.

    Raises:
        InputError: the file is empty, too big or unreadable; it has no id column or no
            vector columns; a row has the wrong width, an empty, NaN, infinite or
            non-numeric value, or an id seen before. Lines are physical lines for text
            files (the header is line 1) and row numbers (from 1) for Parquet.
    """
    raw = read_table(Path(path), display_name=display_name, max_bytes=max_bytes)
    name = raw.source_name
    id_column = _id_column(raw)
    layout = _vector_layout(raw, id_column)
    if isinstance(layout, list) and len(layout) > max_dim:
        raise _too_wide(name, len(layout), max_dim, None, None)
    _check_malformed(raw, isinstance(layout, str))
    if raw.table.num_rows == 0:
        raise InputError("the file has column names but no rows", file=name, hint="export it again")
    ids = _item_ids(raw, id_column)
    if isinstance(layout, str):
        vectors = _list_vectors(raw, layout, max_dim)
    else:
        vectors = _numbered_vectors(raw, layout)
    vectors.flags.writeable = False
    return UserEmbeddings(source=name, item_ids=ids, vectors=vectors)


def coverage(embeddings: UserEmbeddings, item_ids: Sequence[str]) -> EmbeddingsCoverage:
    """Count the file's ids in the vocabulary `item_ids`, and the vocabulary items it misses."""
    vocabulary = set(item_ids)
    in_file = set(embeddings.item_ids)
    unknown = [item for item in embeddings.item_ids if item not in vocabulary]
    missing = [item for item in item_ids if item not in in_file]
    return EmbeddingsCoverage(
        known=len(embeddings.item_ids) - len(unknown),
        unknown=len(unknown),
        unknown_examples=tuple(unknown[:EXAMPLES]),
        missing=len(missing),
        missing_examples=tuple(missing[:EXAMPLES]),
    )


def aligned_matrix(
    embeddings: UserEmbeddings, item_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The vectors in vocabulary order, row 0 being padding.

    Args:
        embeddings: what `read_user_embeddings` read.
        item_ids: the vocabulary; `item_ids[i]` has index `i + 1`.

    Returns:
        A (len(item_ids) + 1, D) float32 matrix, row `i + 1` the vector of `item_ids[i]`
        (zeros for padding and for items without a vector), and a (len(item_ids) + 1,)
        bool mask of the rows that hold a vector.
    """
    row_of = {item: row for row, item in enumerate(embeddings.item_ids)}
    rows = np.fromiter((row_of.get(item, -1) for item in item_ids), np.int64, len(item_ids))
    mask = np.concatenate([[False], rows >= 0])
    matrix = np.zeros((len(item_ids) + 1, embeddings.dim), dtype=np.float32)
    matrix[mask] = embeddings.vectors[rows[rows >= 0]]
    return matrix, mask


def _key(column: str) -> str:
    """A header name as matched: case-insensitive, RecBole's `:type` suffix dropped."""
    return column.strip().split(":", 1)[0].lower()


def _id_column(raw: RawTable) -> str:
    by_key = {_key(column): column for column in reversed(raw.table.column_names)}
    for alias in ID_COLUMNS:
        if alias in by_key:
            return by_key[alias]
    found = ", ".join(raw.table.column_names[:12])
    header = "" if raw.has_header else "the file seems to have no header row; "
    raise InputError(
        f"no item id column (found: {found})",
        file=raw.source_name,
        hint=f"{header}name the id column one of {', '.join(ID_COLUMNS)}",
    )


def _vector_layout(raw: RawTable, id_column: str) -> str | list[str]:
    """The list column's name, or the numbered columns in order e0, e1, …"""
    others = [column for column in raw.table.column_names if column != id_column]
    named = [column for column in others if _key(column) in VECTOR_COLUMNS]
    if named:
        return named[0]
    numbered = _numbered_columns(others, raw.source_name)
    if numbered:
        return numbered
    listed = [column for column in others if _holds_lists(raw.table.column(column))]
    if len(listed) == 1:
        return listed[0]
    several = f"several columns hold lists ({', '.join(listed)}); " if listed else ""
    raise InputError(
        f"no vector columns: {several}expected {_LAYOUTS}",
        file=raw.source_name,
        hint=f"name the vector column one of {', '.join(VECTOR_COLUMNS)}, or number them e0, e1, …",
    )


def _numbered_columns(columns: list[str], name: str) -> list[str]:
    groups: dict[str, dict[int, str]] = {}
    for column in columns:
        match = _NUMBERED.fullmatch(_key(column))
        if match:
            groups.setdefault(match.group(1), {})[int(match.group(2))] = column
    if not groups:
        return []
    prefix, by_index = max(groups.items(), key=lambda group: len(group[1]))
    gap = next((i for i in range(len(by_index)) if i not in by_index), None)
    if gap is not None:
        raise InputError(
            f"the numbered vector columns must run {prefix}0, {prefix}1, … without a gap; "
            f"{prefix}{gap} is missing",
            file=name,
            column=f"{prefix}{gap}",
            hint=f"add the column {prefix}{gap}, or number the columns again from 0",
        )
    return [by_index[i] for i in range(len(by_index))]


def _holds_lists(column: pa.ChunkedArray) -> bool:
    """A list-typed column, or text whose first value is written like `[0.1, 0.2]`."""
    if not _is_text(column.type):
        return _is_list(column.type)
    first = column.drop_null()
    return len(first) > 0 and str(first[0].as_py()).lstrip().startswith("[")


def _is_list(kind: pa.DataType) -> bool:
    return isinstance(kind, pa.ListType | pa.LargeListType | pa.FixedSizeListType)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _check_malformed(raw: RawTable, list_layout: bool) -> None:
    if not raw.malformed:
        return
    bad = raw.malformed[0]
    quote = ' and quote vector cells that hold commas ("[0.1, 0.2]")' if list_layout else ""
    raise InputError(
        f"the row has a different width from the header: {bad.message}",
        file=raw.source_name,
        line=bad.line,
        hint=f"give every row an id and one value per column{quote}",
    )


def _item_ids(raw: RawTable, id_column: str) -> tuple[str, ...]:
    text = pc.utf8_trim_whitespace(pc.cast(raw.table.column(id_column), pa.string()))
    text = pc.replace_substring_regex(text, _WHOLE_FLOAT, r"\1")
    ids = pd.Series(text.to_pylist(), dtype=object)
    empty = ids.isna() | (ids == "")
    if empty.any():
        raise InputError(
            "the item id is empty",
            file=raw.source_name,
            line=int(raw.line_numbers[int(np.argmax(empty.to_numpy()))]),
            column=id_column,
            hint="give every row an item id, or remove the row",
        )
    repeated = ids.duplicated().to_numpy()
    if repeated.any():
        later = int(np.argmax(repeated))
        first = int(np.argmax((ids == ids[later]).to_numpy()))
        lines = raw.line_numbers[[first, later]]
        raise InputError(
            f"item id {ids[later]!r} appears twice, on lines {lines[0]} and {lines[1]}",
            file=raw.source_name,
            line=int(lines[1]),
            column=id_column,
            hint="keep one vector per item",
        )
    return tuple(ids)


def _numbered_vectors(raw: RawTable, columns: list[str]) -> np.ndarray:
    values = [_numbers(raw.table.column(c).combine_chunks(), raw, c) for c in columns]

    def cell(row: int, dim: int) -> tuple[str, object, int | None]:
        return columns[dim], raw.table.column(columns[dim])[row].as_py(), None

    return _finite_float32(np.stack(values, axis=1), raw, cell)  # (N, D)


def _list_vectors(raw: RawTable, column: str, max_dim: int) -> np.ndarray:
    cells = raw.table.column(column).combine_chunks()
    if _is_text(cells.type):
        text = pc.replace_substring(pc.utf8_trim(cells, " \t\r\n[]"), ",", " ")
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)  # no values
        cells = pc.utf8_split_whitespace(text)
    elif not _is_list(cells.type):
        raise InputError(
            f"the vector column holds {cells.type} values, not lists of numbers",
            file=raw.source_name,
            column=column,
            hint=f"write one list of numbers per row, or use {_LAYOUTS}",
        )
    width = _common_width(raw, column, pc.fill_null(pc.list_value_length(cells), 0), max_dim)
    flat = pc.list_flatten(cells)

    def cell(row: int, dim: int) -> tuple[str, object, int | None]:
        return column, flat[row * width + dim].as_py(), dim

    return _finite_float32(_numbers(flat, raw, column).reshape(-1, width), raw, cell)  # (N, D)


def _common_width(raw: RawTable, column: str, widths: pa.Array, max_dim: int) -> int:
    """The width of the first row, checked on every row."""
    lengths = widths.to_numpy(zero_copy_only=False)
    expected = int(lengths[0])
    wrong = np.flatnonzero((lengths != expected) | (lengths == 0))
    if len(wrong):
        row = int(wrong[0])
        message = "the vector is empty"
        if expected and lengths[row]:
            message = (
                f"the vector has {lengths[row]} values, expected {expected} "
                f"like the row on line {raw.line_numbers[0]}"
            )
        raise InputError(
            message,
            file=raw.source_name,
            line=int(raw.line_numbers[row]),
            column=column,
            hint="give every item a vector of the same width",
        )
    if expected > max_dim:
        raise _too_wide(raw.source_name, expected, max_dim, int(raw.line_numbers[0]), column)
    return expected


def _numbers(values: pa.Array, raw: RawTable, column: str) -> np.ndarray:
    """Numbers as float64; text that is no number becomes NaN (the caller says which)."""
    kind = values.type
    if _is_text(kind):
        trimmed = pc.utf8_trim_whitespace(values)
        try:
            return pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:  # some text is no number: find it below
            return pd.to_numeric(trimmed.to_pandas(), errors="coerce").to_numpy(np.float64)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    raise InputError(
        f"the column holds {kind} values, not numbers",
        file=raw.source_name,
        column=column,
        hint="write the vectors as numbers",
    )


def _finite_float32(
    values: np.ndarray, raw: RawTable, cell: Callable[[int, int], tuple[str, object, int | None]]
) -> np.ndarray:
    """(N, D) float64 as float32, or the error for the first cell that is not finite."""
    with np.errstate(over="ignore"):  # values beyond float32 become inf, reported below
        matrix = np.ascontiguousarray(values, dtype=np.float32)
    bad = np.argwhere(~np.isfinite(matrix))
    if not len(bad):
        return matrix
    row, dim = (int(i) for i in bad[0])
    column, written, position = cell(row, dim)
    text = "" if written is None else str(written).strip()
    if not text:
        what = "a value is empty"
    elif math.isnan(values[row, dim]) and text.lower().lstrip("+-") != "nan":
        what = f"{text!r} is not a number"
    elif math.isfinite(values[row, dim]):
        what = f"the value {text} is too large for 32-bit floats"
    else:
        what = f"the value {text} is NaN or infinite"
    hint = "write a finite number in every cell"
    if text == "...":
        hint = "the vector was printed cut short by numpy; write it with .tolist()"
    raise InputError(
        what if position is None else f"{what} (value {position + 1} of the vector)",
        file=raw.source_name,
        line=int(raw.line_numbers[row]),
        column=column,
        hint=hint,
    )


def _too_wide(
    name: str, width: int, max_dim: int, line: int | None, column: str | None
) -> InputError:
    return InputError(
        f"the vectors have {width:,} dimensions, more than the {max_dim:,} allowed",
        file=name,
        line=line,
        column=column,
        hint="reduce the vectors' width (e.g. with PCA) before uploading",
    )
