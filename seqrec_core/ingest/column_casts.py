"""SQL expressions that turn raw source columns into typed canonical values (DuckDB).

Each builder takes a quoted column identifier and the column's Arrow type and returns
a DuckDB expression; nothing here touches rows in Python, so coercion runs at
DuckDB's vectorised speed on millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb
import pyarrow as pa

# Strings a spreadsheet makes of long numeric ids: 2.10381E+18 no longer identifies anything.
SCIENTIFIC_ID_PATTERN = r"-?[0-9](\.[0-9]+)?[eE][+-]?[0-9]+"
_EPOCH_STRING_PATTERN = r"-?[0-9]+(\.[0-9]+)?"
# A time of day followed by a zone: Z, UTC, GMT or an offset (+01:00, -0500, +01).
_ZONE_PATTERN = (
    r"(?i).*[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(z|utc|gmt|[+-][0-9]{2}(:?[0-9]{2})?)"
)

# Common exact ISO 8601 layouts, parsed by strptime (several times faster than the
# general ISO cast, which stays as the fallback for rows that do not match).
_ISO_FORMATS = (
    "%Y-%m-%d %H:%M:%S UTC",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
)
# Explicit formats tried when a text timestamp is not ISO 8601; month-first before
# day-first so that an ambiguous column (every day <= 12) reads as US exports do.
_TEXT_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m %d, %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
_COMPACT_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d")
_SAMPLE_ROWS = 2000


def quote(name: str) -> str:
    """A DuckDB identifier for any column name."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


def text(column: str) -> str:
    """The column as trimmed text, empty strings as NULL."""
    return f"nullif(trim(CAST({column} AS VARCHAR)), '')"


def identifier(column: str) -> str:
    """An id as text; `17850.0` (a float-typed export of an integer id) becomes `17850`."""
    value = text(column)
    return (
        f"CASE WHEN contains({value}, '.') "
        f"THEN regexp_replace({value}, '^(-?[0-9]+)\\.0+$', '\\1') ELSE {value} END"
    )


def number(column: str, arrow_type: pa.DataType) -> str:
    """A DOUBLE; text with a decimal comma (`35,79`) is read too."""
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return f"CAST({column} AS DOUBLE)"
    raw = text(column)
    return f"coalesce(try_cast({raw} AS DOUBLE), try_cast(replace({raw}, ',', '.') AS DOUBLE))"


@dataclass(frozen=True)
class TimeParse:
    """How a timestamp column is read: the SQL expression and a label for the report."""

    expression: str
    label: str
    naive: bool = False  # the times carry no zone (nor are epochs), so UTC was assumed


def timestamp(
    con: duckdb.DuckDBPyConnection, relation: str, column: str, arrow_type: pa.DataType
) -> TimeParse:
    """Choose how to read a timestamp column, judging text columns on a sample.

    Returns an expression of type TIMESTAMP (UTC, no zone) that is NULL where a value
    does not parse, and whether the values were zone-less times taken as UTC: native
    timestamps without a zone, dates, and text of which no sampled value names a zone.
    """
    if pa.types.is_timestamp(arrow_type):
        if arrow_type.tz is not None:
            return TimeParse(f"timezone('UTC', {column})", "native timestamp with zone")
        return TimeParse(f"CAST({column} AS TIMESTAMP)", "native timestamp", naive=True)
    if pa.types.is_date(arrow_type):
        return TimeParse(f"CAST({column} AS TIMESTAMP)", "native date", naive=True)
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        unit = _epoch_unit(con, relation, f"CAST({column} AS DOUBLE)")
        return _epoch(f"CAST({column} AS DOUBLE)", unit)
    raw = text(column)
    sample = f"(SELECT {raw} AS v FROM {relation} WHERE {raw} IS NOT NULL LIMIT {_SAMPLE_ROWS})"
    iso = f"timezone('UTC', try_cast({raw} AS TIMESTAMPTZ))"
    candidates = [
        TimeParse(f"coalesce(try_strptime({raw}, '{fmt}'), {iso})", f"ISO 8601 ({fmt})")
        for fmt in _ISO_FORMATS
    ]
    candidates.append(TimeParse(iso, "ISO 8601"))
    candidates += [TimeParse(f"try_strptime({raw}, '{fmt}')", fmt) for fmt in _TEXT_FORMATS]
    counts_sql = [f"count(try_strptime(v, '{fmt}'))" for fmt in _ISO_FORMATS]
    counts_sql.append(f"count({iso.replace(raw, 'v')})")
    counts_sql += [f"count(try_strptime(v, '{fmt}'))" for fmt in _TEXT_FORMATS]
    counts_sql.append(f"count(*) FILTER (WHERE regexp_full_match(v, '{_EPOCH_STRING_PATTERN}'))")
    counts_sql.append(f"count(*) FILTER (WHERE regexp_full_match(v, '{_ZONE_PATTERN}'))")
    query = f"SELECT {', '.join(counts_sql)} FROM {sample}"
    *counts, numeric, zoned = con.execute(query).fetchall()[0]
    # The most values parsed wins; among equals, the earlier (more specific) candidate.
    best = max(range(len(candidates)), key=lambda i: (counts[i], -i))
    # Digits only: epoch numbers, unless a compact date layout (20240131) reads as many.
    compact = candidates[best].label in _COMPACT_FORMATS
    if numeric and (numeric > counts[best] or (numeric == counts[best] and not compact)):
        value = (
            f"CASE WHEN regexp_full_match({raw}, '{_EPOCH_STRING_PATTERN}') "
            f"THEN CAST({raw} AS DOUBLE) END"
        )
        return _epoch(value, _epoch_unit(con, relation, value))
    return replace(candidates[best], naive=not zoned)


def _epoch_unit(con: duckdb.DuckDBPyConnection, relation: str, value: str) -> float:
    """Seconds per unit of an epoch column, judged from the median magnitude."""
    median = con.execute(
        f"SELECT median(abs(v)) FROM (SELECT {value} AS v FROM {relation} "
        f"WHERE {value} IS NOT NULL LIMIT {_SAMPLE_ROWS})"
    ).fetchall()[0][0]
    if median is None or median < 1e11:
        return 1.0
    if median < 1e14:
        return 1e-3
    if median < 1e17:
        return 1e-6
    return 1e-9


def _epoch(value: str, seconds_per_unit: float) -> TimeParse:
    label = {
        1.0: "epoch seconds",
        1e-3: "epoch milliseconds",
        1e-6: "epoch microseconds",
    }
    micros = seconds_per_unit * 1e6
    # make_timestamp(BIGINT microseconds) gives a zone-less UTC TIMESTAMP; out-of-range
    # values (a year 300000 epoch) must become NULL, not an error.
    expression = (
        f"CASE WHEN abs({value} * {micros}) < 9.0e15 "
        f"THEN make_timestamp(CAST({value} * {micros} AS BIGINT)) END"
    )
    return TimeParse(expression, label.get(seconds_per_unit, "epoch nanoseconds"))
