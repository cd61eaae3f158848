"""Column mapping: which source column feeds which canonical field.

Named columns are mapped through the alias table in `schema`; headerless files are
mapped from their content (an epoch or date column is the timestamp, a column of
event words is the event type, id columns are user, item and category in file order).
A mapping given by the user always wins over the guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from seqrec_core import schema
from seqrec_core.errors import InputError
from seqrec_core.ingest.quality import MAX_LISTED, short_list

ColumnMapping = dict[str, str | None]

_INT_RE = re.compile(r"^-?\d+$")
_FLOAT_RE = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}.*)?$|^\d{1,2}/\d{1,2}/\d{2,4}( .*)?$")
_REVIEW_TEXT = {"text", "reviewtext", "summary", "helpfulvote", "verifiedpurchase"}
_EPOCH_SECONDS = (9.0e8, 2.6e9)  # 1998 .. 2052
_SAMPLE = 1000


def auto_mapping(table: pa.Table, has_header: bool) -> ColumnMapping:
    """Guess the canonical field of every column (None: carried through as an extra).

    Args:
        table: the source table (only the first rows are inspected).
        has_header: whether the column names came from a header row.

    Returns:
        source column name → canonical field or None, in source column order.
    """
    names = list(table.column_names)
    if not has_header:
        return _map_by_content(table)
    mapping: ColumnMapping = {}
    taken: dict[str, str] = {}
    normalized = {schema.normalize_name(n) for n in names}
    is_review_export = bool(normalized & _REVIEW_TEXT)
    for name in sorted(names, key=_alias_rank):
        field = schema.guess_field(name)
        if field == "title" and is_review_export:
            field = None  # a review's title is not the product's title
        if field is not None and field not in taken:
            taken[field] = name
            mapping[name] = field
        else:
            mapping[name] = None
    if not {schema.USER_ID, schema.ITEM_ID, schema.TIMESTAMP} <= set(taken):
        _fill_from_content(table, mapping)
    return {name: mapping[name] for name in names}


def apply_overrides(mapping: ColumnMapping, overrides: Mapping[str, str | None]) -> ColumnMapping:
    """The mapping with the user's choices applied; a field given by the user moves there."""
    result = dict(mapping)
    for column, field in overrides.items():
        if column not in result:
            raise InputError(
                f"cannot map unknown column {column!r}",
                hint=f"the columns are: {short_list(list(result))}",
            )
        if field:
            for other, other_field in result.items():
                if other_field == field:
                    result[other] = None
        result[column] = field or None
    return result


def check_mapping(mapping: ColumnMapping, table: pa.Table, source_name: str) -> None:
    """Raise InputError if a field is mapped twice, unknown, or a required one is missing."""
    seen: dict[str, str] = {}
    for column, field in mapping.items():
        if field is None:
            continue
        if field not in schema.ALL_FIELDS:
            raise InputError(
                f"unknown field {field!r} for column {column!r}",
                file=source_name,
                column=column,
                hint=f"choose one of: {', '.join(schema.ALL_FIELDS)}",
            )
        if field in seen:
            raise InputError(
                f"field {field!r} is mapped from two columns ({seen[field]!r} and {column!r})",
                file=source_name,
                hint="map only one of them",
            )
        seen[field] = column
    missing = [f for f in schema.REQUIRED_FIELDS if f not in seen]
    if missing:
        raise InputError(
            f"required column(s) {', '.join(missing)} not found",
            file=source_name,
            hint=_suggestion(mapping, table, missing),
        )


def _suggestion(mapping: ColumnMapping, table: pa.Table, missing: Sequence[str]) -> str:
    names = list(mapping)
    found = short_list(
        [f"{name!r} (e.g. {_first_value(table, name)!r})" for name in names[:MAX_LISTED]]
        + names[MAX_LISTED:]  # only counted: the values of columns not shown are not read
    )
    free = [name for name, field in mapping.items() if field is None]
    example = f"--map {free[0]}={missing[0]}" if free else f"--map COLUMN={missing[0]}"
    return (
        f"the file has columns {found}; map one to each missing field "
        f"(command line: {example}; in the app: the column mapping form)"
    )


def _first_value(table: pa.Table, name: str) -> str | None:
    column = table.column(name)
    for value in column.slice(0, 50).to_pylist():
        if value not in (None, ""):
            return str(value)[:40]
    return None


def _alias_rank(name: str) -> int:
    """Lower is preferred when two columns alias the same field (parent_asin over asin)."""
    field = schema.guess_field(name)
    if field is None:
        return 10_000
    return schema.alias_priority(field, name)


def _map_by_content(table: pa.Table) -> ColumnMapping:
    mapping: ColumnMapping = dict.fromkeys(table.column_names)
    _fill_from_content(table, mapping)
    return mapping


def _fill_from_content(table: pa.Table, mapping: ColumnMapping) -> None:
    """Fill missing timestamp/event/rating/id fields from the content of unmapped columns."""
    kinds = {name: _column_kind(table.column(name)) for name, f in mapping.items() if f is None}
    taken = {f for f in mapping.values() if f}
    free = [name for name in kinds if mapping[name] is None]
    for field, accepted in (
        (schema.TIMESTAMP, {"time"}),
        (schema.EVENT_TYPE, {"event"}),
        # Small integers are valid ids too: ids come first in headerless exports.
        (schema.USER_ID, {"id", "rating"}),
        (schema.ITEM_ID, {"id", "rating"}),
        ("rating", {"rating"}),
        ("category_id", {"id"}),
    ):
        if field in taken:
            continue
        match = next((name for name in free if kinds[name] in accepted), None)
        if match is not None:
            mapping[match] = field
            taken.add(field)
            free.remove(match)


def _column_kind(column: pa.ChunkedArray) -> str:
    """One of time / event / rating / id / other, judged on the first non-empty values."""
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        return "time"
    values = [
        str(v).strip()
        for v in pc.drop_null(column.slice(0, _SAMPLE * 2)).to_pylist()[:_SAMPLE]
        if str(v).strip()
    ]
    if not values:
        return "other"
    if all(_INT_RE.match(v) for v in values):
        numbers = [int(v) for v in values]
        low, high = min(numbers), max(numbers)
        for scale in (1, 1_000, 1_000_000):
            if _EPOCH_SECONDS[0] * scale <= low and high <= _EPOCH_SECONDS[1] * scale:
                return "time"
        if low >= 0 and high <= 10 and len(set(numbers)) <= 11:
            return "rating"
        return "id"
    if all(_FLOAT_RE.match(v) for v in values):
        numbers = [float(v) for v in values]
        return "rating" if min(numbers) >= 0 and max(numbers) <= 10 else "other"
    if sum(bool(_DATE_RE.match(v)) for v in values) >= 0.9 * len(values):
        return "time"
    if sum(schema.normalize_event_type(v) is not None for v in values) >= 0.9 * len(values):
        return "event"
    distinct = len(set(values))
    if all(len(v) <= 40 and " " not in v for v in values) and distinct > 1:
        return "id"
    return "other"
