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

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.kg.graph import (
    KnowledgeGraph,
    ShopAggregates,
    assemble_graph,
    prepare_events,
)
from seqrec_core.kg.interests import MAX_ITEMS, MAX_NEIGHBOURS


def _strongest_items(frame: pd.DataFrame) -> pd.Series:
    """The shopper's `MAX_ITEMS` heaviest items and their summed weights, as
    `neighbourhood` picks them (heaviest first, ties by id)."""
    weights = frame.groupby(schema.ITEM_ID)["weight"].sum().sort_index()
    return weights.sort_values(ascending=False, kind="stable").head(MAX_ITEMS)


def _among(rows: np.ndarray, size: int) -> np.ndarray:
    """(size,) bool, True at `rows` (-1, an id the shop lacks, marks nothing): membership
    of millions of pair ends by one gather, where `np.isin` would sort them."""
    mask = np.zeros(size, dtype=bool)
    mask[rows[rows >= 0]] = True
    return mask


def _pulled_items(shop: ShopAggregates, frame: pd.DataFrame) -> np.ndarray:
    """Rows of the items co-occurring most with the shopper's strongest ones: a margin
    over the `MAX_NEIGHBOURS` that `neighbourhood` walks through (its own sums then pick
    them exactly, every pair they need being among the rows)."""
    strongest = _strongest_items(frame)
    rows = shop.items.index.get_indexer(strongest.index)
    weight = pd.Series(strongest.to_numpy(), index=rows)
    source = shop.pairs["source_row"].to_numpy()
    target = shop.pairs["target_row"].to_numpy()
    strength = shop.pairs["strength"].to_numpy()
    strong = _among(rows, len(shop.items))
    ahead, behind = strong[source], strong[target]
    partner = np.r_[target[ahead], source[behind]]
    pull = np.r_[
        weight.reindex(source[ahead]).to_numpy() * strength[ahead],
        weight.reindex(target[behind]).to_numpy() * strength[behind],
    ]
    total = np.bincount(partner, weights=pull, minlength=len(shop.items))
    total[rows] = 0.0  # the strongest items themselves are not neighbours
    candidates = np.flatnonzero(total > 0)
    keep = min(len(candidates), 3 * MAX_NEIGHBOURS)
    return candidates[np.argsort(-total[candidates], kind="stable")[:keep]]


def shopper_graph(
    shop: ShopAggregates, events: pd.DataFrame, *, also: Sequence[str] = ()
) -> KnowledgeGraph:
    """The knowledge graph around one shopper.

    Its size is bounded by the shopper's history: their items, the items co-occurring
    most with their strongest ones (a margin over what `interests.neighbourhood` walks
    through), the items `also` names, the pairs among all of them and their metadata.
    Metadata nodes keep their degree in the whole shop (`KnowledgeGraph.degree`), so the
    paths to an item of `also` score as in the whole shop's graph.

    Args:
        shop: the dataset's aggregates (`shop_aggregates.cached_aggregates`).
        events: that shopper's accepted events (columns as in the dataset's events).
        also: item ids to hold too, e.g. what the shopper is recommended, so that
            `paths.explain_paths` finds its paths (ids the shop lacks are left out).

    Returns:
        A `KnowledgeGraph` holding this shopper only; `user_profile`, `inferred_interests`
        and `explain_paths` read it as they read the whole shop's.
    """
    frame = prepare_events(events, shop.config)
    own = shop.items.index.get_indexer(pd.unique(frame[schema.ITEM_ID]))
    named = shop.items.index.get_indexer(pd.Index([str(i) for i in also], dtype=object))
    rows = np.union1d(own, _pulled_items(shop, frame))  # sorted: the shop's order
    rows = np.union1d(rows, named[named >= 0])
    source = shop.pairs["source_row"].to_numpy()
    target = shop.pairs["target_row"].to_numpy()
    held = _among(rows, len(shop.items))
    among = held[source] & held[target]
    return assemble_graph(
        replace(shop, items=shop.items.iloc[rows], pairs=shop.pairs[among]), frame
    )
