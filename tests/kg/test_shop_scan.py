"""The shop's aggregates read in DuckDB passes equal those of the whole log in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.kg.graph import KGConfig, ShopAggregates, prepare_events, shop_aggregates
from seqrec_core.kg.shop_scan import scan_aggregates
from seqrec_core.store import Workspace


def _in_memory(events: pd.DataFrame, items: pd.DataFrame | None, config: KGConfig):
    return shop_aggregates(prepare_events(events, config), events, items, config)


def _assert_same(scanned: ShopAggregates, expected: ShopAggregates) -> None:
    pd.testing.assert_frame_equal(scanned.items, expected.items)
    pd.testing.assert_frame_equal(scanned.pairs, expected.pairs)
    assert scanned.shop == expected.shop
    assert scanned.coverage == expected.coverage
    assert dict(scanned.degrees) == dict(expected.degrees)


def _scan(tmp_path: Path, events: pd.DataFrame, items: pd.DataFrame | None, config: KGConfig):
    events_path = tmp_path / "events.parquet"
    events.to_parquet(events_path, index=False)
    items_path = None
    if items is not None:
        items_path = tmp_path / "items.parquet"
        items.to_parquet(items_path, index=False)
    return scan_aggregates(events_path, items_path, config)


def test_the_sample_shops_aggregates_are_the_in_memory_ones(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    info = ensure_sample(workspace)
    events, items = workspace.read_events("sample-shop"), workspace.read_items("sample-shop")
    for config in (KGConfig(), KGConfig(cooc_window=1, cooc_top_n=2)):
        expected = _in_memory(events, items, config)
        assert len(expected.pairs) > 1_000 and expected.shop.events == len(events)
        _assert_same(scan_aggregates(info.events_path, info.items_path, config), expected)


def _handmade(rng: np.random.Generator, rows: int = 3_000) -> pd.DataFrame:
    """Shuffled rows, timestamps tied within a user, ids whose byte order is not ASCII's."""
    users = np.array(["u1", "U1", "é", "z", "Ünal", "u10", "u2", "0"])
    items = np.array([f"P{i}" for i in range(60)] + ["ß", "p-1", "Ø"])
    start = np.datetime64("2026-03-01T00:00:00")
    return pd.DataFrame(
        {
            "user_id": rng.choice(users, rows),
            "item_id": rng.choice(items, rows),
            # Few distinct times: many ties, broken by the file's row order.
            "timestamp": pd.to_datetime(start + rng.integers(0, 40, rows) * np.timedelta64(7, "h"))
            .tz_localize("UTC"),
            "event_type": rng.choice(np.array(["view", "cart", "purchase", "fav", None]), rows),
            "price": np.where(rng.random(rows) < 0.3, np.nan, rng.integers(1, 40, rows) * 0.5),
        }
    )  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1])
def test_ties_unicode_ids_and_event_prices_give_the_in_memory_aggregates(
    tmp_path: Path, seed: int
) -> None:
    events = _handmade(np.random.default_rng(seed))
    catalog = pd.DataFrame(
        {
            "item_id": ["P1", "P2", "P3", "NEVER-SEEN"],
            "category": ["A > B", "A > B", "A > C", "A > B"],
            "brand": ["x", None, "y", "x"],
            "price": [3.0, np.nan, 9.5, 1.0],
        }
    )
    config = KGConfig()
    expected = _in_memory(events, catalog, config)
    assert expected.shop.stage_counts["purchase"] > 0 and len(expected.pairs) > 0
    _assert_same(_scan(tmp_path, events, catalog, config), expected)


def test_a_log_without_event_types_prices_or_catalog(tmp_path: Path) -> None:
    events = _handmade(np.random.default_rng(2)).drop(columns=["event_type", "price"])
    config = KGConfig(cooc_window=2)
    expected = _in_memory(events, None, config)
    scanned = _scan(tmp_path, events, None, config)
    _assert_same(scanned, expected)
    assert scanned.coverage["event_type"] == 0.0
    assert sum(scanned.shop.stage_counts.values()) == 0
    assert scanned.items["price"].isna().all()


def test_one_event_has_no_pairs(tmp_path: Path) -> None:
    events = _handmade(np.random.default_rng(3), rows=1)
    config = KGConfig()
    scanned = _scan(tmp_path, events, None, config)
    _assert_same(scanned, _in_memory(events, None, config))
    assert scanned.pairs.empty and scanned.shop.events == 1
