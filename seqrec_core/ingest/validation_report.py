"""Assemble the ValidationReport of an ingest from the DuckDB tables it left behind."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import duckdb

from seqrec_core.ingest import column_casts
from seqrec_core.ingest.catalog_split import CatalogOutcome
from seqrec_core.ingest.column_mapping import ColumnMapping
from seqrec_core.ingest.quality import (
    MAX_EXAMPLES,
    REJECT_HINTS,
    REJECT_REASONS,
    Flag,
    Issue,
    ValidationReport,
)
from seqrec_core.ingest.readers import RawTable
from seqrec_core.ingest.row_validation import Classified

_NUMBER_FIELDS = ("quantity", "price", "rating")
# A user with more events than this many times the median user (and at least
# HEAVY_MIN events) is flagged: usually a bot, a crawler or a shared account.
HEAVY_FACTOR = 50
HEAVY_MIN = 1000


def build(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    mapping: ColumnMapping,
    classified: Classified,
    catalog: CatalogOutcome,
    id_flags: Sequence[Flag] = (),
) -> ValidationReport:
    """The full report of one ingest.

    `id_flags` are the `lookalike_ids` warnings, found before user ids were pseudonymised.
    """
    by_reason = dict(
        con.execute(
            "SELECT _reason, count(*) FROM classified WHERE _reason IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    if raw.malformed:
        by_reason["malformed_row"] = len(raw.malformed)
    ordered = {r: int(by_reason[r]) for r in REJECT_REASONS if r in by_reason}
    accepted = "FROM classified WHERE _reason IS NULL"
    users, items, t_min, t_max = con.execute(
        f"SELECT count(DISTINCT user_id), count(DISTINCT item_id), "
        f"CAST(min(timestamp) AS VARCHAR), CAST(max(timestamp) AS VARCHAR) {accepted}"
    ).fetchall()[0]
    by_type = dict(
        con.execute(f"SELECT event_type, count(*) {accepted} GROUP BY 1 ORDER BY 2 DESC").fetchall()
    )
    rows_rejected = sum(ordered.values())
    return ValidationReport(
        source_name=raw.source_name,
        format=raw.format + (f" ({raw.compression})" if raw.compression else ""),
        rows_read=raw.num_rows + len(raw.malformed),
        rows_accepted=raw.num_rows - (rows_rejected - len(raw.malformed)),
        rows_rejected=rows_rejected,
        rejected_by_reason=ordered,
        examples=_examples(con),
        warnings=[
            *_warnings(con, raw, classified, catalog, items),
            *id_flags,
            *_time_zone_note(mapping, classified),
        ],
        column_mapping={col: f for col, f in mapping.items() if f},
        events_by_type={k: int(v) for k, v in by_type.items()},
        unknown_event_types=_unknown_event_types(con),
        users=int(users),
        items=int(items),
        catalog_items=catalog.items if len(catalog.columns) > 1 else 0,
        time_min=t_min,
        time_max=t_max,
        timestamp_format=classified.timestamp_format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        has_header=raw.has_header,
    )


def with_duplicates(report: ValidationReport, earlier: list[str]) -> ValidationReport:
    """The report noting datasets ingested earlier from the same bytes."""
    return dataclasses.replace(report, duplicate_of=earlier)


def reason_summary(report: ValidationReport) -> str:
    """`missing_user_id: 3, exact_duplicate: 1`."""
    return ", ".join(f"{r}: {n}" for r, n in report.rejected_by_reason.items()) or "no reason"


def classified_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Column names of the `classified` table."""
    return [r[0] for r in con.execute("DESCRIBE classified").fetchall()]


def unparseable_number_columns(con: duckdb.DuckDBPyConnection, classified: Classified) -> list[str]:
    """`price_text AS price_raw` for each numeric field with values that did not parse,
    so the original text of accepted rows is kept."""
    result = []
    for field in _NUMBER_FIELDS:
        if field in classified.fields and _unparseable_count(con, field):
            result.append(f"{field}_text AS {field}_raw")
    return result


def _unparseable_count(con: duckdb.DuckDBPyConnection, field: str) -> int:
    return con.execute(
        f"SELECT count(*) FROM classified WHERE _reason IS NULL "
        f"AND {field}_text IS NOT NULL AND {field} IS NULL"
    ).fetchall()[0][0]


def _examples(con: duckdb.DuckDBPyConnection) -> dict[str, list[Issue]]:
    """The first few rejected rows of each reason, with line, column and value."""
    rows = con.execute(
        "SELECT reason, line, problem_column, coalesce(raw_text, problem_value), detail FROM "
        "(SELECT *, row_number() OVER (PARTITION BY reason ORDER BY line) AS k FROM rejected) "
        "WHERE k <= ? ORDER BY line",
        [MAX_EXAMPLES],
    ).fetchall()
    examples: dict[str, list[Issue]] = {}
    for reason, line, column, value, detail in rows:
        message = "; ".join(filter(None, (detail, REJECT_REASONS[reason], REJECT_HINTS[reason])))
        shown = None if value is None else str(value)[:200]
        examples.setdefault(reason, []).append(Issue(line, column, shown, message))
    return {r: examples[r] for r in REJECT_REASONS if r in examples}


def _unknown_event_types(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if "event_type_raw" not in classified_columns(con):
        return {}
    rows = con.execute(
        "SELECT lower(event_type_raw), count(*) FROM classified s "
        "WHERE _reason IS NULL AND event_type_raw IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM synonyms y WHERE y.word = "
        "regexp_replace(lower(s.event_type_raw), '[^0-9a-z]', '', 'g')) "
        "GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    return {k: int(v) for k, v in rows}


def _warnings(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    classified: Classified,
    catalog: CatalogOutcome,
    items: int,
) -> list[Flag]:
    flags = [Flag("reader", message) for message in raw.warnings]
    flags += _heavy_users(con)
    unknown = _unknown_event_types(con)
    if unknown:
        flags.append(
            Flag(
                "unknown_event_type",
                "event words not in the vocabulary were kept as they are: "
                + ", ".join(f"{k} ({v})" for k, v in list(unknown.items())[:10]),
                sum(unknown.values()),
            )
        )
    if "event_type_raw" in classified_columns(con):
        missing = con.execute(
            "SELECT count(*) FROM classified WHERE _reason IS NULL AND event_type_raw IS NULL"
        ).fetchall()[0][0]
        if missing:
            flags.append(
                Flag(
                    "missing_event_type",
                    "rows without an event type were kept as 'interaction'",
                    int(missing),
                )
            )
    for field in _NUMBER_FIELDS:
        if field in classified.fields:
            flags += _bad_numbers(con, field)
    if classified.default_event_type:
        flags.append(
            Flag(
                "default_event_type",
                f"the file has no event-type column; every event was recorded as "
                f"'{classified.default_event_type}'",
            )
        )
    if "category_id" in classified.fields:
        flags += _scientific_categories(con)
    if catalog.duplicate_rows:
        flags.append(
            Flag(
                "catalog_duplicates",
                "the catalog file repeats item ids; the first row of each was used",
                catalog.duplicate_rows,
            )
        )
    return flags


def _time_zone_note(mapping: ColumnMapping, classified: Classified) -> list[Flag]:
    """A note when the times carry no zone: they were read as UTC, which may be wrong."""
    if not classified.naive_timestamps:
        return []
    column = next(col for col, field in mapping.items() if field == "timestamp")
    return [
        Flag(
            "naive_timestamps",
            f"the times in column {column!r} carry no time zone and were read as UTC; if "
            "they are local times, export them with their offset (e.g. "
            "2024-01-01T10:00:00+01:00) or in UTC, then upload the file again",
        )
    ]


def is_heavy(events: int, median: float) -> bool:
    """Whether a user with `events` events is bot-like when the median user has `median`:
    the rule of `heavy_user_counts`."""
    return events > max(HEAVY_MIN, HEAVY_FACTOR * median)


def heavy_user_counts(con: duckdb.DuckDBPyConnection, events: str) -> list[tuple[str, int]]:
    """(user id, events) of each bot-like user, most events first: more than `HEAVY_MIN`
    events and more than `HEAVY_FACTOR` times the median user's.

    Args:
        events: a SQL relation of accepted events with a `user_id` column (a table name
            or a parenthesised query); the ingest report and `user_exclusion` share this rule.
    """
    rows = con.execute(
        f"WITH c AS (SELECT user_id, count(*) AS n FROM {events} GROUP BY 1) "
        "SELECT user_id, n FROM c WHERE n > greatest(?, ? * (SELECT median(n) FROM c)) "
        "ORDER BY n DESC, user_id",
        [HEAVY_MIN, HEAVY_FACTOR],
    ).fetchall()
    return [(str(user), int(n)) for user, n in rows]


def _heavy_users(con: duckdb.DuckDBPyConnection) -> list[Flag]:
    rows = heavy_user_counts(con, "(SELECT user_id FROM classified WHERE _reason IS NULL)")
    if not rows:
        return []
    examples = [Issue(None, "user_id", str(u), f"{n} events") for u, n in rows[:MAX_EXAMPLES]]
    return [
        Flag(
            "heavy_user",
            f"{len(rows)} user(s) have an absurd number of events (kept; often a bot, a "
            "crawler or a shared account — consider removing them before training)",
            len(rows),
            examples,
        )
    ]


def _bad_numbers(con: duckdb.DuckDBPyConnection, field: str) -> list[Flag]:
    rows = con.execute(
        f"SELECT _line, {field}_text FROM classified WHERE _reason IS NULL "
        f"AND {field}_text IS NOT NULL AND {field} IS NULL ORDER BY _line"
    ).fetchall()
    if not rows:
        return []
    examples = [Issue(line, field, value, "not a number") for line, value in rows[:MAX_EXAMPLES]]
    return [
        Flag(
            f"unparseable_{field}",
            f"{field} values that are not numbers were kept as text in column {field}_raw",
            len(rows),
            examples,
        )
    ]


def _scientific_categories(con: duckdb.DuckDBPyConnection) -> list[Flag]:
    rows = con.execute(
        "SELECT _line, category_id FROM classified WHERE _reason IS NULL AND "
        f"regexp_full_match(category_id, '{column_casts.SCIENTIFIC_ID_PATTERN}') ORDER BY _line"
    ).fetchall()
    if not rows:
        return []
    examples = [
        Issue(line, "category_id", value, "scientific notation") for line, value in rows[:5]
    ]
    return [
        Flag(
            "category_in_scientific_notation",
            "category ids were turned into scientific notation by a spreadsheet and no longer "
            "identify a category; re-export the column as text",
            len(rows),
            examples,
        )
    ]
