"""Dataset profile: small summary tables computed by DuckDB over a dataset's Parquet files.

Every function takes a connection from `connect` (views `events` and `item_meta` over the
files) and returns a small pandas frame, however many events there are: the work happens
in SQL, never in a Python loop over events. `profile_dataset` computes them all at once
for the Data page and the review report. A dataset without a catalog is profiled too:
item metadata is then simply missing (coverage 0, no categories or brands).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from seqrec_core import schema
from seqrec_core.duckdb_settings import scratch_connection

# Catalog fields whose coverage is reported, in display order.
COVERAGE_FIELDS = ("title", "category", "brand", "price")
# Over-time charts show this many event types; rarer ones are summed up as "other".
MAX_TIME_TYPES = 8
# The time bin of the over-time chart: the first whose span limit (days) the log fits,
# so a 3-hour log gets about 180 minutes, never one dot for "the day".
TIME_BINS = ("minute", "hour", "day", "week", "month")
_BIN_MAX_DAYS = {"minute": 3 / 24, "hour": 4.0, "day": 92.0, "week": 3 * 366.0}
# Long-tail curves keep every rank up to this one, then about 100 ranks per e-fold.
_TAIL_DENSE_RANKS = 1000


@dataclass(frozen=True)
class Headline:
    """The numbers shown above the charts."""

    events: int
    users: int
    items: int
    catalog_items: int
    time_min: pd.Timestamp | None
    time_max: pd.Timestamp | None
    span_days: float
    median_sequence_length: float
    event_types: int


@dataclass(frozen=True)
class DatasetProfile:
    """Every summary table of one dataset (each a small frame; see the functions)."""

    headline: Headline
    time_bin: str
    events_over_time: pd.DataFrame
    funnel: pd.DataFrame
    sequence_lengths: pd.DataFrame
    popularity: pd.DataFrame
    top_items: pd.DataFrame
    coverage: pd.DataFrame
    top_categories: pd.DataFrame
    top_category_paths: pd.DataFrame
    top_brands: pd.DataFrame


def connect(events_path: Path, items_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views `events` and `item_meta`.

    `item_meta` always has `item_id, title, category, brand, price` (NULL where the
    catalog lacks a field or there is no catalog); blank strings count as missing.
    """
    con = scratch_connection()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({_sql_str(events_path)})")
    present: set[str] = set()
    if items_path is not None and Path(items_path).exists():
        source = f"read_parquet({_sql_str(items_path)})"
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    else:
        source = "(SELECT CAST(NULL AS VARCHAR) AS item_id WHERE false)"
    selects = ["CAST(item_id AS VARCHAR) AS item_id"]
    for field in COVERAGE_FIELDS:
        if field not in present:
            kind = "DOUBLE" if field == "price" else "VARCHAR"
            selects.append(f"CAST(NULL AS {kind}) AS {field}")
        elif field == "price":
            selects.append("TRY_CAST(price AS DOUBLE) AS price")
        else:
            selects.append(f"nullif(trim(CAST({field} AS VARCHAR)), '') AS {field}")
    con.execute(f"CREATE VIEW item_meta AS SELECT {', '.join(selects)} FROM {source}")
    con.execute(
        "CREATE TEMP TABLE item_counts AS SELECT item_id, count(*) AS events, "
        "count(DISTINCT user_id) AS users FROM events GROUP BY item_id"
    )
    return con


def headline(con: duckdb.DuckDBPyConnection) -> Headline:
    """Events, users, items, time span and the median number of events per user."""
    events, users, items, t_min, t_max, types = con.execute(
        "SELECT count(*), count(DISTINCT user_id), count(DISTINCT item_id), min(timestamp), "
        "max(timestamp), count(DISTINCT event_type) FROM events"
    ).fetchone()
    median = con.execute(
        "SELECT coalesce(median(n), 0) FROM (SELECT count(*) AS n FROM events GROUP BY user_id)"
    ).fetchone()[0]
    catalog_items = con.execute(
        "SELECT count(*) FROM item_meta WHERE coalesce(title, category, brand) IS NOT NULL "
        "OR price IS NOT NULL"
    ).fetchone()[0]
    span = (t_max - t_min).total_seconds() / 86400 if t_min is not None else 0.0
    return Headline(
        events=int(events),
        users=int(users),
        items=int(items),
        catalog_items=int(catalog_items),
        time_min=pd.Timestamp(t_min) if t_min is not None else None,
        time_max=pd.Timestamp(t_max) if t_max is not None else None,
        span_days=float(span),
        median_sequence_length=float(median),
        event_types=int(types),
    )


def time_bin_for_span(span_days: float) -> str:
    """'minute' for logs of up to 3 hours, 'hour' up to 4 days, 'day' up to about a
    quarter, 'week' up to three years, else 'month' (at most a few hundred bins)."""
    return next((b for b, limit in _BIN_MAX_DAYS.items() if span_days <= limit), "month")


def events_over_time(con: duckdb.DuckDBPyConnection, time_bin: str | None = None) -> pd.DataFrame:
    """Events per time bin and event type: columns `period, event_type, events`.

    Args:
        time_bin: one of `TIME_BINS` (weeks start on Monday); None chooses from the
            dataset's span with `time_bin_for_span`.
    """
    if time_bin is None:
        span = con.execute(
            "SELECT coalesce(date_diff('second', min(timestamp), max(timestamp)), 0) FROM events"
        ).fetchone()[0]
        time_bin = time_bin_for_span(span / 86400)
    if time_bin not in TIME_BINS:
        raise ValueError(f"time_bin must be one of {', '.join(TIME_BINS)}, not {time_bin!r}")
    return con.execute(
        f"""
        WITH ranked AS (
            SELECT event_type, row_number() OVER (ORDER BY count(*) DESC, event_type) AS r
            FROM events GROUP BY event_type)
        SELECT CAST(date_trunc('{time_bin}', e.timestamp) AS TIMESTAMP) AS period,
               CASE WHEN r.r <= {MAX_TIME_TYPES} THEN e.event_type ELSE 'other' END AS event_type,
               count(*) AS events
        FROM events e JOIN ranked r USING (event_type)
        GROUP BY ALL ORDER BY period, event_type
        """
    ).fetchdf()


def funnel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Events and distinct users per event type, funnel stages first (view → cart →
    purchase), then the other canonical types, then unknown words by volume.

    Columns: `event_type, events, users, user_share` (users / all users), `stage`
    (True for the funnel stages).
    """
    frame = con.execute(
        "SELECT event_type, count(*) AS events, count(DISTINCT user_id) AS users, "
        "count(DISTINCT user_id) / (SELECT count(DISTINCT user_id) FROM events) AS user_share "
        "FROM events GROUP BY event_type"
    ).fetchdf()
    order = {t: i for i, t in enumerate(dict.fromkeys(schema.FUNNEL + schema.EVENT_TYPES))}
    frame["_order"] = frame["event_type"].map(order).fillna(len(order))
    frame["stage"] = frame["event_type"].isin(schema.FUNNEL)
    frame = frame.sort_values(["_order", "events"], ascending=[True, False])
    return frame.drop(columns="_order").reset_index(drop=True)


def sequence_lengths(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """How many users have each sequence length: columns `length, users`."""
    return con.execute(
        "SELECT n AS length, count(*) AS users FROM "
        "(SELECT count(*) AS n FROM events GROUP BY user_id) GROUP BY n ORDER BY n"
    ).fetchdf()


def item_popularity(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The long tail: items ranked by events, columns `rank, item_id, title, events,
    cumulative_share` (share of all events in the items ranked up to here).

    Every rank up to 1000 is kept, then about 100 ranks per e-fold plus the last one,
    so the frame stays small for millions of items while keeping the curve's shape.
    """
    return con.execute(
        f"""
        WITH ranked AS (
            SELECT c.item_id, m.title, c.events,
                   row_number() OVER (ORDER BY c.events DESC, c.item_id) AS rank,
                   sum(c.events) OVER (ORDER BY c.events DESC, c.item_id) AS cum,
                   sum(c.events) OVER () AS total, count(*) OVER () AS n_items
            FROM item_counts c LEFT JOIN item_meta m USING (item_id))
        SELECT rank, item_id, title, events, cum / total AS cumulative_share FROM ranked
        WHERE rank <= {_TAIL_DENSE_RANKS} OR rank = n_items
           OR floor(ln(rank) * 100) <> floor(ln(rank - 1) * 100)
        ORDER BY rank
        """
    ).fetchdf()


def top_items(con: duckdb.DuckDBPyConnection, n: int = 15) -> pd.DataFrame:
    """The `n` items with most events: columns `item_id, title, events, users`."""
    return con.execute(
        "SELECT c.item_id, m.title, c.events, c.users FROM item_counts c "
        "LEFT JOIN item_meta m USING (item_id) ORDER BY c.events DESC, c.item_id LIMIT ?",
        [n],
    ).fetchdf()


def catalog_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Share of the items seen in events (and of the events) that have each catalog field.

    Columns: `field, items_with_value, item_share, event_share`, one row per
    `COVERAGE_FIELDS` entry (all zero when there is no catalog).
    """
    parts = [
        f"SELECT '{field}' AS field, {i} AS pos, "
        f"count(*) FILTER (WHERE m.{field} IS NOT NULL) AS items_with_value, "
        f"coalesce(sum(c.events) FILTER (WHERE m.{field} IS NOT NULL), 0) AS events_with_value, "
        "count(*) AS items, sum(c.events) AS events "
        "FROM item_counts c LEFT JOIN item_meta m USING (item_id)"
        for i, field in enumerate(COVERAGE_FIELDS)
    ]
    return con.execute(
        "SELECT field, items_with_value, "
        "coalesce(items_with_value / nullif(items, 0), 0) AS item_share, "
        "coalesce(events_with_value / nullif(events, 0), 0) AS event_share "
        f"FROM ({' UNION ALL '.join(parts)}) ORDER BY pos"
    ).fetchdf()


def top_categories(
    con: duckdb.DuckDBPyConnection, n: int = 15, *, level: str = "top"
) -> pd.DataFrame:
    """Categories with most events: columns `category, events, users, items`.

    Args:
        level: 'top' groups by the first part of the path (`Home` of `Home > Kitchen`),
            'path' by the full path.
    """
    if level not in ("top", "path"):
        raise ValueError(f"level must be 'top' or 'path', not {level!r}")
    sep = _sql_str(schema.CATEGORY_SEPARATOR.strip())
    key = f"trim(split_part(m.category, {sep}, 1))" if level == "top" else "m.category"
    return _top_by(con, key, "category", n)


def top_brands(con: duckdb.DuckDBPyConnection, n: int = 15) -> pd.DataFrame:
    """Brands with most events: columns `brand, events, users, items`."""
    return _top_by(con, "m.brand", "brand", n)


def profile_dataset(
    events_path: Path, items_path: Path | None = None, *, top_n: int = 15
) -> DatasetProfile:
    """Every profile table of a dataset, from its events (and optional items) Parquet.

    Raises:
        FileNotFoundError: the events file does not exist.
    """
    if not Path(events_path).exists():
        raise FileNotFoundError(events_path)
    con = connect(events_path, items_path)
    try:
        head = headline(con)
        time_bin = time_bin_for_span(head.span_days)
        return DatasetProfile(
            headline=head,
            time_bin=time_bin,
            events_over_time=events_over_time(con, time_bin),
            funnel=funnel(con),
            sequence_lengths=sequence_lengths(con),
            popularity=item_popularity(con),
            top_items=top_items(con, top_n),
            coverage=catalog_coverage(con),
            top_categories=top_categories(con, top_n, level="top"),
            top_category_paths=top_categories(con, top_n, level="path"),
            top_brands=top_brands(con, top_n),
        )
    finally:
        con.close()


def _top_by(con: duckdb.DuckDBPyConnection, key: str, name: str, n: int) -> pd.DataFrame:
    # Users are counted from events, not summed per item: one user may touch many items.
    return con.execute(
        f"SELECT {key} AS {name}, count(*) AS events, count(DISTINCT e.user_id) AS users, "
        f"count(DISTINCT e.item_id) AS items FROM events e JOIN item_meta m USING (item_id) "
        f"WHERE {key} IS NOT NULL AND {key} <> '' GROUP BY 1 ORDER BY events DESC, 1 LIMIT ?",
        [n],
    ).fetchdf()


def _sql_str(value: object) -> str:
    """A SQL string literal (paths and separators only; never user-typed SQL)."""
    return "'" + str(value).replace("'", "''") + "'"
