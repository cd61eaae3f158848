"""Row validation: coerce a raw table to canonical events and give each row its fate.

`classify` builds the DuckDB table `classified`: one row per source row with the
canonical values, the original values, and `_reason` (NULL when accepted, otherwise the
first rejection reason of `quality.REJECT_REASONS` that applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from seqrec_core import coerce, schema
from seqrec_core.mapping import ColumnMapping

_TEXT_FIELDS = (
    "session_id",
    "query",
    "invoice_id",
    "title",
    "category_id",
    "brand",
    "attributes",
)
_NUMBER_FIELDS = ("quantity", "price", "rating")
_EARLIEST = "1971-01-01"
_REJECTED_META = ("line", "reason", "problem_column", "problem_value", "message")


@dataclass(frozen=True)
class Classified:
    """What `classify` left in the connection, and how it read the source."""

    fields: tuple[str, ...]  # canonical fields present in `classified`
    extras: dict[str, str]  # output column name -> internal raw column
    raw_columns: dict[str, str]  # original column name -> internal raw column
    timestamp_format: str
    default_event_type: str | None  # used when the source has no event column


def classify(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    lines: Sequence[int],
    mapping: ColumnMapping,
) -> Classified:
    """Create the table `classified` from a source table and its column mapping."""
    internal = {name: f"_c{i}" for i, name in enumerate(table.column_names)}
    source = table.rename_columns(list(internal.values())).append_column(
        "_line", pa.array(lines, type=pa.int64())
    )
    con.register("src", source)
    by_field = {field: internal[col] for col, field in mapping.items() if field}
    types = {
        internal[name]: table.schema.field(name).type for name in table.column_names
    }

    select = ["_line"]
    select.append(f"{coerce.identifier(by_field[schema.USER_ID])} AS user_id")
    select.append(f"{coerce.identifier(by_field[schema.ITEM_ID])} AS item_id")
    ts_column = by_field[schema.TIMESTAMP]
    parse = coerce.timestamp(con, "src", ts_column, types[ts_column])
    select.append(f"{parse.expression} AS timestamp")
    default_type = _default_event_type(by_field)
    if schema.EVENT_TYPE in by_field:
        raw = coerce.text(by_field[schema.EVENT_TYPE])
        select.append(f"{raw} AS event_type_raw")
        select.append(
            f"coalesce(syn.canonical, lower({raw}), '{_default_event_type({})}') AS event_type"
        )
    else:
        select.append(f"'{default_type}' AS event_type")
    for field in _TEXT_FIELDS:
        if field in by_field:
            select.append(f"{coerce.text(by_field[field])} AS {field}")
    for field in _NUMBER_FIELDS:
        if field in by_field:
            column = by_field[field]
            select.append(f"{coerce.number(column, types[column])} AS {field}")
            select.append(f"{coerce.text(column)} AS {field}_text")
    if "category" in by_field:
        select.append(
            f"{_category_path(coerce.text(by_field['category']))} AS category"
        )
    partition = ", ".join(internal.values())
    select.append(
        f"row_number() OVER (PARTITION BY {partition} ORDER BY _line) AS _copy"
    )
    select.extend(internal.values())

    join = ""
    if schema.EVENT_TYPE in by_field:
        con.register("synonyms", _synonym_table())
        raw = coerce.text(by_field[schema.EVENT_TYPE])
        join = (
            "LEFT JOIN synonyms syn ON syn.word = "
            f"regexp_replace(lower({raw}), '[^0-9a-z]', '', 'g')"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT {', '.join(select)} FROM src {join}"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE classified AS "
        f"SELECT *, {_reason_sql(by_field)} AS _reason FROM staged"
    )
    con.unregister("src")
    fields = tuple(
        f
        for f in (*schema.EVENT_FIELDS, *schema.CATALOG_FIELDS)
        if f in by_field or f == schema.EVENT_TYPE
    )
    return Classified(
        fields=tuple(dict.fromkeys(fields)),
        extras=_extra_names(mapping, internal),
        raw_columns=internal,
        timestamp_format=parse.label,
        default_event_type=None if schema.EVENT_TYPE in by_field else default_type,
    )


def problem_columns(mapping: ColumnMapping) -> dict[str, str | None]:
    """For each rejection reason, the source column it is about (None: the whole row)."""
    source = {field: col for col, field in mapping.items() if field}
    return {
        "malformed_row": None,
        "missing_user_id": source.get(schema.USER_ID),
        "missing_item_id": source.get(schema.ITEM_ID),
        "id_in_scientific_notation": None,
        "unparseable_timestamp": source.get(schema.TIMESTAMP),
        "out_of_range_time": source.get(schema.TIMESTAMP),
        "cancellation": source.get("invoice_id"),
        "return": source.get("quantity"),
        "exact_duplicate": None,
    }


def rejected_select(
    classified: Classified, mapping: ColumnMapping, pseudonymized: bool
) -> str:
    """SELECT list of the rejected-rows table: line, reason, problem column/value, message,
    then every source column as text under its original name (user ids pseudonymised
    when the dataset is)."""
    columns = problem_columns(mapping)
    raw = dict(classified.raw_columns)
    if pseudonymized:
        raw[_source(mapping, schema.USER_ID)] = "user_id"
    case_column = " ".join(
        f"WHEN '{reason}' THEN '{col}'"
        for reason, col in columns.items()
        if col is not None
    )
    case_value = " ".join(
        f"WHEN '{reason}' THEN CAST({raw[col]} AS VARCHAR)"
        for reason, col in columns.items()
        if col is not None
    )
    scientific = (
        f"CASE WHEN regexp_full_match(user_id, '{coerce.SCIENTIFIC_ID_PATTERN}') "
        f"THEN {coerce.text(raw[_source(mapping, schema.USER_ID)])} "
        f"ELSE {coerce.text(raw[_source(mapping, schema.ITEM_ID)])} END"
    )
    parts = [
        "_line AS line",
        "_reason AS reason",
        f"CASE _reason {case_column} "
        f"WHEN 'id_in_scientific_notation' THEN CASE WHEN regexp_full_match(user_id, "
        f"'{coerce.SCIENTIFIC_ID_PATTERN}') THEN '{_source(mapping, schema.USER_ID)}' "
        f"ELSE '{_source(mapping, schema.ITEM_ID)}' END END AS problem_column",
        f"CASE _reason {case_value} WHEN 'id_in_scientific_notation' THEN {scientific} "
        "END AS problem_value",
    ]
    for original, internal in raw.items():
        name = original if original not in _REJECTED_META else f"{original}_source"
        parts.append(f"CAST({internal} AS VARCHAR) AS {coerce.quote(name)}")
    return ", ".join(parts)


def _source(mapping: ColumnMapping, field: str) -> str:
    return next(col for col, f in mapping.items() if f == field)


def _reason_sql(by_field: dict[str, str]) -> str:
    sci = coerce.SCIENTIFIC_ID_PATTERN
    checks = [
        ("user_id IS NULL", "missing_user_id"),
        ("item_id IS NULL", "missing_item_id"),
        (
            f"regexp_full_match(user_id, '{sci}') OR regexp_full_match(item_id, '{sci}')",
            "id_in_scientific_notation",
        ),
        ("timestamp IS NULL", "unparseable_timestamp"),
        (
            f"timestamp < TIMESTAMP '{_EARLIEST}' "
            "OR timestamp > CAST(now() AS TIMESTAMP) + INTERVAL 1 DAY",
            "out_of_range_time",
        ),
    ]
    if "invoice_id" in by_field:
        checks.append(("upper(invoice_id) LIKE 'C%'", "cancellation"))
    if "quantity" in by_field:
        checks.append(("quantity < 0", "return"))
    checks.append(("_copy > 1", "exact_duplicate"))
    return "CASE " + " ".join(f"WHEN {cond} THEN '{r}'" for cond, r in checks) + " END"


def _default_event_type(by_field: dict[str, str]) -> str:
    """The event type of rows from a source without an event column."""
    if "invoice_id" in by_field or "quantity" in by_field:
        return "purchase"
    if "rating" in by_field:
        return "rating"
    return "interaction"


def _category_path(raw: str) -> str:
    """Category paths written with `>`, `/`, `|` or dots (`electronics.audio`) → `A > B`."""
    sep = schema.CATEGORY_SEPARATOR
    return (
        f"CASE WHEN regexp_matches({raw}, '[>/|]') THEN array_to_string(list_filter("
        f"list_transform(regexp_split_to_array({raw}, '[>/|]'), lambda x: trim(x)), "
        f"lambda x: x <> ''), "
        f"'{sep}') "
        f"WHEN regexp_full_match({raw}, '[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)+') "
        f"THEN replace({raw}, '.', '{sep}') ELSE {raw} END"
    )


def _synonym_table() -> pa.Table:
    synonyms = schema.event_synonyms()
    return pa.table({"word": list(synonyms), "canonical": list(synonyms.values())})


def _extra_names(mapping: ColumnMapping, internal: dict[str, str]) -> dict[str, str]:
    """Unmapped columns, named as in the source unless that clashes with a canonical name."""
    reserved = set(schema.ALL_FIELDS) | {"line", "event_type_raw"}
    extras: dict[str, str] = {}
    for column, field in mapping.items():
        if field is None:
            name = column if column not in reserved else f"{column}_source"
            extras[name] = internal[column]
    return extras
