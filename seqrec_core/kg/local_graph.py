"""One shopper's knowledge graph from a neighbourhood query: no graph of the whole shop.

`shopper_graph` assembles, from the shopper's own events and the shop's aggregates
(`seqrec_core.kg.graph.ShopAggregates`, cached per dataset by `shop_aggregates`), the
part of the graph their profile reads: the items they touched, the items co-occurring
with those, every co-occurrence pair among all of them, and their metadata (categories
with their ancestors, brands, price bands, attributes). Rows keep the shop's order, so
the profile (affinities, funnel, rhythm, inferred interests and the paths behind them)
equals the one read from the whole shop's graph (a test checks it on the sample shop),
at a cost set by the shopper's history instead of the shop's size. Other shoppers are
not in it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from seqrec_core import schema
from seqrec_core.kg.graph import KnowledgeGraph, ShopAggregates, assemble_graph, prepare_events


def shopper_graph(shop: ShopAggregates, events: pd.DataFrame) -> KnowledgeGraph:
    """The knowledge graph around one shopper.

    Args:
        shop: the dataset's aggregates (`shop_aggregates.cached_aggregates`).
        events: that shopper's accepted events (columns as in the dataset's events).

    Returns:
        A `KnowledgeGraph` holding this shopper only; `user_profile` and
        `inferred_interests` read it as they read the whole shop's.
    """
    frame = prepare_events(events, shop.config)
    own = pd.unique(frame[schema.ITEM_ID])
    pairs = shop.pairs
    touching = pairs["source"].isin(own) | pairs["target"].isin(own)
    near = pd.Index(own).union(pairs.loc[touching, "source"]).union(pairs.loc[touching, "target"])
    among = pairs[pairs["source"].isin(near) & pairs["target"].isin(near)]
    items = shop.items[shop.items.index.isin(near)]
    return assemble_graph(replace(shop, items=items, pairs=among), frame)
