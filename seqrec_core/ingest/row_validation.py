"""Row validation: coerce a raw table to canonical events and give each row its fate.

`classify` registers the source as the DuckDB view `src` (original columns renamed
`_c0, _c1, ...` plus `_line`) and builds the table `classified`: one row per source row
with `_line`, the canonical values and `_reason` (NULL when accepted, otherwise the first
rejection reason of `quality.REJECT_REASONS` that applies). Original values stay in
`src` and are joined back by `_line` only where needed (extras, rejected rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from seqrec_core import schema
from seqrec_core.ingest import column_casts
from seqrec_core.ingest.column_mapping import ColumnMapping

_TEXT_FIELDS = ("session_id", "query", "invoice_id", "title", "category_id", "brand", "attributes")
_NUMBER_FIELDS = ("quantity", "price", "rating")
_EARLIEST = "1971-01-01"
_REJECTED_META = ("line", "reason", "problem_column", "problem_value", "message")
FALLBACK_EVENT_TYPE = "interaction"
LINE_COLUMN = "_line"  # in `src`: the physical line a row starts on


def source_names(width: int) -> list[str]:
    """The internal names of `src`'s original columns: `_c0 .. _c{width-1}`."""
    return [f"_c{i}" for i in range(width)]


@dataclass(frozen=True)
class Classified:
    """What `classify` left in the connection, and how it read the source."""

    fields: tuple[str, ...]  # canonical fields present in `classified`
    extras: dict[str, str]  # output column name -> internal raw column in `src`
    raw_columns: dict[str, str]  # original column name -> internal raw column in `src`
    timestamp_format: str
    default_event_type: str | None  # used when the source has no event column
    naive_timestamps: bool = False  # the times carry no zone and were read as UTC


def classify(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    lines: Sequence[int],
    mapping: ColumnMapping,
    *,
    spooled: Path | None = None,
) -> Classified:
    """Register `src` and create the table `classified` (see the module docstring).

    `spooled`: a Parquet file holding every row (`spooled_text.SpoolWriter`: internal
    names and `_line` already), which DuckDB reads as `src`; `table` is then its first rows.
    """
    internal = dict(zip(table.column_names, source_names(table.num_columns), strict=True))
    if spooled is not None:
        con.read_parquet(str(spooled)).create_view("src")
    else:
        source = table.rename_columns(list(internal.values())).append_column(
            LINE_COLUMN, pa.array(lines, type=pa.int64())
        )
        con.register("src", source)
    by_field = {field: internal[col] for col, field in mapping.items() if field}
    types = {internal[name]: table.schema.field(name).type for name in table.column_names}

    ts_column = by_field[schema.TIMESTAMP]
    parse = column_casts.timestamp(con, "src", ts_column, types[ts_column])
    select = [
        "_line",
        f"{column_casts.identifier(by_field[schema.USER_ID])} AS user_id",
        f"{column_casts.identifier(by_field[schema.ITEM_ID])} AS item_id",
        f"{parse.expression} AS timestamp",
    ]
    join = ""
    default_type = _default_event_type(by_field)
    if schema.EVENT_TYPE in by_field:
        raw = column_casts.text(by_field[schema.EVENT_TYPE])
        con.register("synonyms", _synonym_table())
        select.append(f"{raw} AS event_type_raw")
        select.append(
            f"coalesce(syn.canonical, lower({raw}), '{FALLBACK_EVENT_TYPE}') AS event_type"
        )
        word = f"regexp_replace(lower({raw}), '[^0-9a-z]', '', 'g')"
        join = f"LEFT JOIN synonyms syn ON syn.word = {word}"
    else:
        select.append(f"'{default_type}' AS event_type")
    select += [f"{column_casts.text(by_field[f])} AS {f}" for f in _TEXT_FIELDS if f in by_field]
    for field in _NUMBER_FIELDS:
        if field in by_field:
            column = by_field[field]
            select.append(f"{column_casts.number(column, types[column])} AS {field}")
            select.append(f"{column_casts.text(column)} AS {field}_text")
    if "category" in by_field:
        select.append(f"{_category_path(column_casts.text(by_field['category']))} AS category")
    select.append(f"hash({', '.join(internal.values())}) AS _row_hash")

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE classified AS SELECT *, {_reason_sql(by_field)} AS _reason "
        f"FROM (SELECT {', '.join(select)} FROM src {join})"
    )
    _mark_duplicates(con, list(internal.values()))
    fields = [f for f in (*schema.EVENT_FIELDS, *schema.CATALOG_FIELDS) if f in by_field]
    return Classified(
        fields=tuple(dict.fromkeys([*fields, schema.EVENT_TYPE])),
        extras=_extra_names(mapping, internal),
        raw_columns=internal,
        timestamp_format=parse.label,
        default_event_type=None if schema.EVENT_TYPE in by_field else default_type,
        naive_timestamps=parse.naive,
    )


def problem_columns(mapping: ColumnMapping) -> dict[str, str | None]:
    """For each rejection reason, the source column it is about (None: the whole row)."""
    source = {field: col for col, field in mapping.items() if field}
    return {
        "missing_user_id": source.get(schema.USER_ID),
        "missing_item_id": source.get(schema.ITEM_ID),
        "unparseable_timestamp": source.get(schema.TIMESTAMP),
        "out_of_range_time": source.get(schema.TIMESTAMP),
        "cancellation": source.get("invoice_id"),
        "return": source.get("quantity"),
    }


def rejected_select(classified: Classified, mapping: ColumnMapping, pseudonymized: bool) -> str:
    """SELECT list over `classified c JOIN src s USING (_line)` for the rejected-rows table:
    line, reason, problem column and value, then every source column as text under its
    original name (user ids pseudonymised when the dataset is)."""
    raw = dict(classified.raw_columns)
    user_column, item_column = _source(mapping, schema.USER_ID), _source(mapping, schema.ITEM_ID)
    if pseudonymized:
        raw[user_column] = "c.user_id"
    columns = {r: c for r, c in problem_columns(mapping).items() if c is not None}
    sci = column_casts.SCIENTIFIC_ID_PATTERN
    sci_column = (
        f"CASE WHEN regexp_full_match(c.user_id, '{sci}') THEN {column_casts.literal(user_column)} "
        f"ELSE {column_casts.literal(item_column)} END"
    )
    sci_value = (
        f"CASE WHEN regexp_full_match(c.user_id, '{sci}') THEN CAST({raw[user_column]} AS VARCHAR) "
        f"ELSE CAST({raw[item_column]} AS VARCHAR) END"
    )
    which = " ".join(f"WHEN '{r}' THEN {column_casts.literal(col)}" for r, col in columns.items())
    value = " ".join(f"WHEN '{r}' THEN CAST({raw[col]} AS VARCHAR)" for r, col in columns.items())
    parts = [
        "_line AS line",
        "_reason AS reason",
        f"CASE _reason {which} WHEN 'id_in_scientific_notation' THEN {sci_column} "
        "END AS problem_column",
        f"CASE _reason {value} WHEN 'id_in_scientific_notation' THEN {sci_value} "
        "END AS problem_value",
    ]
    for original, internal in raw.items():
        name = original if original not in _REJECTED_META else f"{original}_source"
        parts.append(f"CAST({internal} AS VARCHAR) AS {column_casts.quote(name)}")
    return ", ".join(parts)


def _mark_duplicates(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Reject later copies of an identical row. Candidates share a 64-bit hash of the whole
    row; each is confirmed column by column against the first copy, so a hash collision
    never rejects a row."""
    same = " AND ".join(f"d.{c} IS NOT DISTINCT FROM f.{c}" for c in columns)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE duplicates AS WITH candidates AS ("
        "SELECT _line, _row_hash, row_number() OVER (PARTITION BY _row_hash ORDER BY _line) "
        "AS copy FROM classified WHERE _row_hash IN "
        "(SELECT _row_hash FROM classified GROUP BY 1 HAVING count(*) > 1)) "
        "SELECT n._line FROM candidates n "
        "JOIN candidates o ON o._row_hash = n._row_hash AND o.copy = 1 AND n.copy > 1 "
        f"JOIN src d ON d._line = n._line JOIN src f ON f._line = o._line WHERE {same}"
    )
    con.execute(
        "UPDATE classified SET _reason = 'exact_duplicate' "
        "WHERE _reason IS NULL AND _line IN (SELECT _line FROM duplicates)"
    )


def _source(mapping: ColumnMapping, field: str) -> str:
    return next(col for col, f in mapping.items() if f == field)


def _reason_sql(by_field: dict[str, str]) -> str:
    sci = column_casts.SCIENTIFIC_ID_PATTERN
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
    return "CASE " + " ".join(f"WHEN {cond} THEN '{r}'" for cond, r in checks) + " END"


def _default_event_type(by_field: dict[str, str]) -> str:
    """The event type of rows from a source without an event column."""
    if "invoice_id" in by_field or "quantity" in by_field:
        return "purchase"
    if "rating" in by_field:
        return "rating"
    return FALLBACK_EVENT_TYPE


def _category_path(raw: str) -> str:
    """Category paths written with `>`, `/`, `|` or dots (`electronics.audio`) → `A > B`."""
    sep = schema.CATEGORY_SEPARATOR
    dotted = "[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)+"
    parts = f"list_transform(regexp_split_to_array({raw}, '[>/|]'), lambda x: trim(x))"
    return (
        f"CASE WHEN regexp_matches({raw}, '[>/|]') "
        f"THEN array_to_string(list_filter({parts}, lambda x: x <> ''), '{sep}') "
        f"WHEN contains({raw}, '.') AND regexp_full_match({raw}, '{dotted}') "
        f"THEN replace({raw}, '.', '{sep}') ELSE {raw} END"
    )


def _synonym_table() -> pa.Table:
    synonyms = schema.event_synonyms()
    return pa.table({"word": list(synonyms), "canonical": list(synonyms.values())})


def _extra_names(mapping: ColumnMapping, internal: dict[str, str]) -> dict[str, str]:
    """Unmapped columns, named as in the source unless that clashes with a canonical name."""
    reserved = set(schema.ALL_FIELDS) | {"line", "event_type_raw"}
    return {
        (column if column not in reserved else f"{column}_source"): internal[column]
        for column, field in mapping.items()
        if field is None
    }
