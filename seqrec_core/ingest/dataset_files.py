"""The files of a dataset that ingest writes: events, rejected rows and catalog, as Parquet.

Both are written by DuckDB straight from the classified source table (`row_validation`),
so no row passes through Python; the rejected file carries each row's line number,
reason and a message that says how to fix it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from seqrec_core.ingest import catalog_split, column_casts, validation_report
from seqrec_core.ingest import column_mapping as mapping
from seqrec_core.ingest.quality import REJECT_HINTS, REJECT_REASONS
from seqrec_core.ingest.readers import RawTable
from seqrec_core.ingest.row_validation import Classified, rejected_select


def write_events(con: duckdb.DuckDBPyConnection, classified: Classified, target: Path) -> None:
    """Write the accepted rows as `events.parquet`: canonical columns, then extras, by user."""
    event_fields = [f for f in classified.fields if f not in catalog_split.INLINE_ONLY_FIELDS]
    columns = ["user_id", "item_id", "timestamp", "event_type"]
    columns += [f for f in event_fields if f not in columns]
    if "event_type_raw" in validation_report.classified_columns(con):
        columns.insert(4, "event_type_raw")
    columns += validation_report.unparseable_number_columns(con, classified)
    select = [*columns, "_line AS line"]
    select += [
        f"{internal} AS {column_casts.quote(name)}" for name, internal in classified.extras.items()
    ]
    source = "classified JOIN src USING (_line)" if classified.extras else "classified"
    _copy(
        con,
        f"SELECT {', '.join(select)} FROM {source} WHERE _reason IS NULL "
        "ORDER BY user_id, timestamp, _line",
        target,
    )


def write_rejected(
    con: duckdb.DuckDBPyConnection,
    classified: Classified,
    columns: mapping.ColumnMapping,
    raw: RawTable,
    pseudonymized: bool,
    target: Path,
) -> None:
    """Write every rejected row as `rejected.parquet`, with its line, reason, message and fix."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE rejected AS SELECT "
        f"{rejected_select(classified, columns, pseudonymized)}, CAST(NULL AS VARCHAR) AS detail, "
        "CAST(NULL AS VARCHAR) AS raw_text FROM classified c JOIN src s USING (_line) "
        "WHERE c._reason IS NOT NULL"
    )
    if raw.malformed:
        malformed = pa.table(
            {
                "line": pa.array([m.line for m in raw.malformed], pa.int64()),
                "reason": ["malformed_row"] * len(raw.malformed),
                "detail": [m.message for m in raw.malformed],
                "raw_text": [m.text for m in raw.malformed],
            }
        )
        con.register("malformed", malformed)
        con.execute("INSERT INTO rejected BY NAME SELECT * FROM malformed")
    messages = ", ".join(
        f"('{r}', '{REJECT_REASONS[r]} — {REJECT_HINTS[r]}')" for r in REJECT_REASONS
    )
    _copy(
        con,
        "SELECT r.line, r.reason, r.problem_column, r.problem_value, "
        "concat_ws('; ', r.detail, m.message) AS message, "
        "r.* EXCLUDE (line, reason, problem_column, problem_value, detail) FROM rejected r "
        f"LEFT JOIN (VALUES {messages}) m(reason, message) USING (reason) ORDER BY r.line",
        target,
    )


def write_items(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Write the item catalog (temp table `items`) as `items.parquet`, by item id."""
    _copy(con, "SELECT * FROM items ORDER BY item_id", target)


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    con.execute(f"COPY ({query}) TO '{target.as_posix()}' (FORMAT parquet, COMPRESSION zstd)")
