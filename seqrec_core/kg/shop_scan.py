"""The shop's aggregates from a dataset's events file, in bounded memory (DuckDB passes).

`scan_aggregates` computes what `graph.shop_aggregates` computes from a log held in
pandas (item metadata, the strongest co-occurring pairs, the shop's funnel and rhythm,
coverage), but DuckDB reads the Parquet file, within its share of the memory budget and
spilling the rest (`duckdb_settings`). Python holds only two integer codes per event (the
co-occurrence walks them in user-and-time order), one price per priced event and one row
per item; the whole log as strings and timestamps never is. The results are the in-memory
ones, value for value: events in the same order (user, then time, then the file's row),
items coded in the order they first appear in it, the same counting functions.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from seqrec_core import schema
from seqrec_core.data.funnel_and_rhythm import ShopStats, stats_of_counts
from seqrec_core.duckdb_settings import scratch_connection
from seqrec_core.kg.cooccurrence import pairs_by_item
from seqrec_core.kg.graph import KGConfig, ShopAggregates, aggregates_of
from seqrec_core.kg.item_metadata import median_prices, metadata_of

_EVENTS = "read_parquet($path, file_row_number = true)"
# Item codes: items in the order they first appear among events sorted by user, then
# time, then file row (`pd.factorize` of `graph.prepare_events`' frame).
_ITEM_CODES = f"""
    CREATE TEMP TABLE item_codes AS
    SELECT item_id, row_number() OVER (ORDER BY first) - 1 AS code
    FROM (
        SELECT item_id, min({{'u': user_id, 't': "timestamp", 'r': file_row_number}}) AS first
        FROM {_EVENTS} GROUP BY item_id
    )
"""
_USER_CODES = f"""
    CREATE TEMP TABLE user_codes AS
    SELECT user_id, row_number() OVER (ORDER BY user_id) - 1 AS code
    FROM (SELECT DISTINCT user_id FROM {_EVENTS})
"""
_EVENT_CODES = f"""
    SELECT u.code::INTEGER AS user_code, i.code::INTEGER AS item_code
    FROM {_EVENTS} e JOIN user_codes u USING (user_id) JOIN item_codes i USING (item_id)
    ORDER BY u.code, e."timestamp", e.file_row_number
"""
# The events' distinct items in file order (`pd.unique` of the log as read).
_FILE_ORDER = f"SELECT item_id FROM {_EVENTS} GROUP BY item_id ORDER BY min(file_row_number)"


def _event_codes(
    con: duckdb.DuckDBPyConnection, path: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user code, item code) per event in user-and-time order, and item ids by code."""
    con.execute(_ITEM_CODES, {"path": path})
    con.execute(_USER_CODES, {"path": path})
    codes = con.execute(_EVENT_CODES, {"path": path}).fetchnumpy()
    ids = con.execute("SELECT item_id FROM item_codes ORDER BY code").fetchnumpy()["item_id"]
    return (
        np.asarray(codes["user_code"], dtype=np.int32),
        np.asarray(codes["item_code"], dtype=np.int32),
        np.asarray(ids, dtype=object).astype(str),
    )


def _event_prices(
    con: duckdb.DuckDBPyConnection, path: str, item_ids: np.ndarray, columns: set[str]
) -> pd.Series:
    """Median event price per item id (empty when the events carry no price)."""
    if "price" not in columns:
        return pd.Series(dtype=float)
    rows = con.execute(
        f"SELECT i.code, e.price FROM {_EVENTS} e JOIN item_codes i USING (item_id) "
        "WHERE e.price IS NOT NULL",
        {"path": path},
    ).fetchnumpy()
    medians = median_prices(np.asarray(rows["code"]), np.asarray(rows["price"]))
    return pd.Series(medians.to_numpy(), index=pd.Index(item_ids[medians.index.to_numpy()]))


def _counts(con: duckdb.DuckDBPyConnection, query: str, path: str) -> dict[object, int]:
    return {key: int(n) for key, n in con.execute(query, {"path": path}).fetchall()}


def _shop_stats(
    con: duckdb.DuckDBPyConnection, path: str, columns: set[str]
) -> tuple[ShopStats, float]:
    """The shop's funnel and rhythm, and the share of events with an event type."""
    events, users = con.execute(
        f"SELECT count(*), count(DISTINCT user_id) FROM {_EVENTS}", {"path": path}
    ).fetchone()  # type: ignore[misc]
    stages: dict[object, int] = {}
    typed = 0
    if schema.EVENT_TYPE in columns:
        stages = _counts(
            con, f"SELECT event_type, count(*) FROM {_EVENTS} GROUP BY event_type", path
        )
        typed = sum(n for stage, n in stages.items() if stage is not None)
    by_hour = _counts(con, f'SELECT hour("timestamp") h, count(*) FROM {_EVENTS} GROUP BY h', path)
    by_day = _counts(
        con, f'SELECT isodow("timestamp") - 1 d, count(*) FROM {_EVENTS} GROUP BY d', path
    )
    hours = np.array([by_hour.get(h, 0) for h in range(24)], dtype=float)
    days = np.array([by_day.get(d, 0) for d in range(7)], dtype=float)
    stage_counts = {str(stage): n for stage, n in stages.items() if stage is not None}
    shop = stats_of_counts(int(events), int(users), stage_counts, hours, days)
    return shop, (typed / events if events else 0.0)


def scan_aggregates(events_path: Path, items_path: Path | None, config: KGConfig) -> ShopAggregates:
    """The aggregates of a dataset's Parquet files, as `graph.shop_aggregates` of the
    whole log, reading the events in DuckDB passes."""
    path = str(events_path)
    columns = set(pq.read_schema(events_path).names)
    con = scratch_connection()
    try:
        user_codes, item_codes, item_ids = _event_codes(con, path)
        in_file_order = con.execute(_FILE_ORDER, {"path": path}).fetchnumpy()["item_id"]
        prices = _event_prices(con, path, item_ids, columns)
        shop, typed = _shop_stats(con, path, columns)
    finally:
        con.close()
    pairs = pairs_by_item(
        user_codes, item_codes, item_ids, window=config.cooc_window, top_n=config.cooc_top_n
    )
    del user_codes, item_codes
    items = pd.read_parquet(items_path) if items_path is not None else None
    order = pd.Index(np.asarray(in_file_order, dtype=object).astype(str), dtype=object)
    return aggregates_of(metadata_of(order, prices, items), pairs, shop, typed, config)
