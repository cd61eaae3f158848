"""The shop-wide parts of the knowledge graph, computed once per dataset and kept beside it.

A shopper's profile reads the whole shop for four things only (`graph.ShopAggregates`):
item metadata (an item's price band is its tercile within its category, its price may
come from the events), the strongest co-occurring item pairs, the shop-wide funnel and
rhythm, and the metadata coverage. `cached_aggregates` computes them from a dataset's
files the first time (`shop_scan`: DuckDB passes, the same results as `build_graph`'s
in-memory ones) and writes them to the
dataset's folder (`shop_aggregates/`: two Parquet files and a JSON file, written to a
temporary folder and renamed into place); every later profile reads them back in well
under a second. A replaced dataset gets a new folder, so they never go stale; a change
of the graph's settings or of this format (`VERSION`) computes them again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqrec_core.data.funnel_and_rhythm import ShopStats
from seqrec_core.kg.graph import KGConfig, ShopAggregates
from seqrec_core.kg.shop_scan import scan_aggregates

FOLDER = "shop_aggregates"
VERSION = 3
_ITEMS, _PAIRS, _META = "items.parquet", "pairs.parquet", "shop.json"
# What `item_metadata` writes for a missing value in a column of object dtype (Parquet
# keeps only null; columns pandas typed as strings read back as they were).
_MISSING: dict[str, Any] = {
    "title": pd.NA,
    "brand": pd.NA,
    "category": None,
    "price_group": np.nan,
    "price_band": np.nan,
}
_TUPLES = ("category_levels", "attributes")


def _config_dict(config: KGConfig) -> dict[str, Any]:
    """The graph's settings as JSON values (what saved aggregates are checked against)."""
    return {
        f.name: dict(value) if isinstance(value := getattr(config, f.name), Mapping) else value
        for f in fields(config)
    }


def save_aggregates(shop: ShopAggregates, folder: Path) -> None:
    """Write `shop` to `folder` atomically (a temporary folder renamed into place)."""
    temporary = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    items = shop.items.copy()
    for column in _TUPLES:
        items[column] = items[column].map(list)
    items.reset_index().to_parquet(temporary / _ITEMS, index=False)
    shop.pairs.to_parquet(temporary / _PAIRS, index=False)
    meta = {
        "version": VERSION,
        "config": _config_dict(shop.config),
        "shop": asdict(shop.shop),
        "coverage": shop.coverage,
        "degrees": dict(shop.degrees),
        "item_dtypes": {column: str(dtype) for column, dtype in shop.items.dtypes.items()},
    }
    (temporary / _META).write_text(json.dumps(meta))
    try:
        temporary.rename(folder)
    except OSError:  # another process published them first: theirs are the same
        shutil.rmtree(temporary, ignore_errors=True)


def _restored_items(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """The item metadata as `item_metadata` returned it (tuples, dtypes, missing markers)."""
    items = frame.set_index("item_id")
    for column in _TUPLES:
        items[column] = items[column].map(tuple)
    for column, missing in _MISSING.items():
        if dtypes.get(column) == "object":
            values = items[column].astype(object)
            items[column] = values.where(values.notna(), missing)
    items["price"] = items["price"].astype(float)
    return items


def load_aggregates(folder: Path, config: KGConfig) -> ShopAggregates | None:
    """The aggregates saved in `folder`; None if there are none, or for other settings."""
    try:
        meta = json.loads((folder / _META).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("version") != VERSION or meta.get("config") != _config_dict(config):
        return None
    stats = meta["shop"]  # JSON keeps all but the tuples
    shop = ShopStats(
        **{
            **stats,
            "hour_share": tuple(stats["hour_share"]),
            "weekday_share": tuple(stats["weekday_share"]),
        }
    )
    items = _restored_items(pd.read_parquet(folder / _ITEMS), meta["item_dtypes"])
    pairs = pd.read_parquet(folder / _PAIRS)
    degrees = {str(node): int(n) for node, n in meta["degrees"].items()}
    return ShopAggregates(items, pairs, shop, dict(meta["coverage"]), config, degrees)


def compute_aggregates(
    events_path: Path, items_path: Path | None, config: KGConfig
) -> ShopAggregates:
    """The aggregates of a dataset's Parquet files (`shop_scan.scan_aggregates`: DuckDB
    passes over the events, never the whole log in memory)."""
    return scan_aggregates(events_path, items_path, config)


def cached_aggregates(
    events_path: Path, items_path: Path | None, config: KGConfig | None = None
) -> ShopAggregates:
    """The dataset's aggregates: read from beside `events_path`, or computed and saved."""
    config = config or KGConfig()
    folder = Path(events_path).parent / FOLDER
    loaded = load_aggregates(folder, config)
    if loaded is not None:
        return loaded
    shop = compute_aggregates(Path(events_path), items_path, config)
    shutil.rmtree(folder, ignore_errors=True)  # saved for other settings or an older format
    save_aggregates(shop, folder)
    return shop
