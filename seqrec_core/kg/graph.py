"""The knowledge graph of a dataset: users, items and their metadata as one networkx graph.

Nodes have typed ids (`seqrec_core.kg.nodes`: 'user:U00001', 'cat:Home > Kitchen').
Every node has `kind` and `label` (a display name: item title, category leaf, brand);
every edge has `kind` (`nodes.EDGE_KINDS`) and `weight`. Users link to the items they
touched (weighted by event type and recency, with the strongest `action`), items to their
leaf category, brand, price band and attributes, categories to their parent, and items
to their strongest co-occurring items (`seqrec_core.kg.cooccurrence`). The graph is undirected so
paths and personalized PageRank walk both ways; `build_graph` works with any subset of
metadata, and `KnowledgeGraph.missing` says which fields a dataset lacks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx
import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.data.funnel_and_rhythm import ShopStats, shop_stats
from seqrec_core.errors import ConfigError, InputError
from seqrec_core.kg.cooccurrence import pairs_by_item
from seqrec_core.kg.item_metadata import item_metadata, metadata_coverage
from seqrec_core.kg.nodes import (
    CO_OCCURS,
    HAS_ATTRIBUTE,
    HAS_BRAND,
    IN_CATEGORY,
    IN_PRICE_BAND,
    INTERACTED,
    SUBCATEGORY,
    node_id,
    price_node,
)

DEFAULT_EVENT_WEIGHTS = MappingProxyType(
    {"view": 1.0, "click": 1.0, "fav": 2.0, "cart": 3.0, "remove_from_cart": 0.5, "purchase": 5.0}
)
_PRICE_WEIGHT = 0.5  # a price band says less about taste than a category or a brand


@dataclass(frozen=True)
class KGConfig:
    """How the graph is built."""

    cooc_window: int = 3  # a later item co-occurs if at most this many items after
    cooc_top_n: int = 10  # co-occurring partners kept per item
    half_life_days: float = 30.0  # an event this long before the user's last one weighs half
    event_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_EVENT_WEIGHTS)
    other_event_weight: float = 1.0  # unknown event words and logs without event types

    def __post_init__(self) -> None:
        for name, low in (("cooc_window", 1), ("cooc_top_n", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ConfigError(f"KGConfig.{name}={value!r}: must be an integer ≥ {low}")
        if not self.half_life_days > 0:
            raise ConfigError(f"KGConfig.half_life_days={self.half_life_days!r}: must be > 0")


@dataclass
class KnowledgeGraph:
    """A dataset's graph plus what profiles need beside it (treat it as read-only).

    Attributes:
        graph: the networkx graph (see the module docstring for its ids and attributes).
        items: `seqrec_core.kg.item_metadata.item_metadata`, indexed by item id.
        events: user_id, item_id, timestamp, event_type, weight; sorted by user, then time.
        user_rows: user id → (start, stop) row range of that user in `events`.
        shop: shop-wide funnel and rhythm, the baseline every profile is compared with.
        coverage: share of items with each metadata field.
    """

    graph: nx.Graph
    items: pd.DataFrame
    events: pd.DataFrame
    user_rows: dict[str, tuple[int, int]]
    shop: ShopStats
    coverage: dict[str, float]
    config: KGConfig
    # Metadata node → its degree in the whole shop's graph (`ShopAggregates.degrees`): a
    # shopper's local graph (`seqrec_core.kg.local_graph`) holds only part of its edges.
    shop_degrees: Mapping[str, int] = field(default_factory=dict)

    def degree(self, node: str) -> int:
        """A node's degree in the whole shop's graph."""
        known = self.shop_degrees.get(node)
        return int(known) if known is not None else int(self.graph.degree(node))

    @property
    def missing(self) -> tuple[str, ...]:
        """Metadata fields no item has (the graph has no nodes of that kind)."""
        return missing_fields(self.coverage)

    def label(self, node: str) -> str:
        """The display name of a node (its id without the kind prefix if unknown)."""
        data = self.graph.nodes.get(node)
        return str(data["label"]) if data else node.partition(":")[2]

    def user_events(self, user_id: str) -> pd.DataFrame:
        """The events of one user in time order; InputError if the user has none."""
        rows = self.user_rows.get(str(user_id))
        if rows is None:
            examples = ", ".join(list(self.user_rows)[:3])
            raise InputError(
                f"user {user_id!r} has no events in this dataset",
                hint=f"use a user id as it appears in the events file (e.g. {examples})",
            )
        return self.events.iloc[rows[0] : rows[1]]

    def find_users(self, query: str = "", limit: int = 200) -> list[str]:
        """User ids containing `query` (case-insensitive), most active first."""
        counts = pd.Series({u: stop - start for u, (start, stop) in self.user_rows.items()})
        if query.strip():
            counts = counts[counts.index.str.contains(query.strip(), case=False, regex=False)]
        ordered = counts.reset_index().sort_values([0, "index"], ascending=[False, True])
        return ordered["index"].head(limit).tolist()


def missing_fields(coverage: Mapping[str, float]) -> tuple[str, ...]:
    """The metadata fields of a coverage table (`KnowledgeGraph.coverage`) no item has."""
    return tuple(f for f, share in coverage.items() if share == 0.0)


def prepare_events(events: pd.DataFrame, config: KGConfig) -> pd.DataFrame:
    """Events sorted by user and time with an affinity `weight` per event.

    weight = event-type weight × 0.5 ** (days before the user's last event / half-life).
    """
    frame = pd.DataFrame(
        {
            schema.USER_ID: events[schema.USER_ID].astype(str).to_numpy(),
            schema.ITEM_ID: events[schema.ITEM_ID].astype(str).to_numpy(),
            schema.TIMESTAMP: pd.to_datetime(events[schema.TIMESTAMP]).to_numpy(),
        }
    )
    if schema.EVENT_TYPE in events.columns:
        frame[schema.EVENT_TYPE] = events[schema.EVENT_TYPE].astype("object").to_numpy()
    else:
        frame[schema.EVENT_TYPE] = None
    frame = frame.sort_values([schema.USER_ID, schema.TIMESTAMP], kind="stable")
    frame = frame.reset_index(drop=True)
    type_weight = frame[schema.EVENT_TYPE].map(dict(config.event_weights))
    type_weight = type_weight.astype(float).fillna(config.other_event_weight)
    last = frame.groupby(schema.USER_ID)[schema.TIMESTAMP].transform("max")
    age_days = (last - frame[schema.TIMESTAMP]).dt.total_seconds() / 86400.0
    frame["weight"] = type_weight * np.power(0.5, age_days / config.half_life_days)
    frame["type_weight"] = type_weight
    return frame


def _user_rows(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    users = frame[schema.USER_ID].to_numpy()
    if len(users) == 0:
        return {}
    starts = np.r_[0, np.flatnonzero(users[1:] != users[:-1]) + 1]
    stops = np.r_[starts[1:], len(users)]
    return {str(users[s]): (int(s), int(e)) for s, e in zip(starts, stops, strict=True)}


def _add_item_metadata(graph: nx.Graph, meta: pd.DataFrame) -> None:
    """Item, category, brand, price-band and attribute nodes with their edges."""
    items = [node_id("item", i) for i in meta.index]
    fallback = pd.Series([f"item {i}" for i in meta.index], index=meta.index, dtype=object)
    titles = meta["title"].where(meta["title"].notna(), fallback)
    graph.add_nodes_from(
        (n, {"kind": "item", "label": str(t)}) for n, t in zip(items, titles, strict=True)
    )
    paths = sorted({p for levels in meta["category_levels"] for p in levels})
    graph.add_nodes_from(
        (
            node_id("category", p),
            {"kind": "category", "label": p.split(schema.CATEGORY_SEPARATOR)[-1], "path": p},
        )
        for p in paths
    )
    sep = schema.CATEGORY_SEPARATOR
    graph.add_edges_from(
        (
            node_id("category", p),
            node_id("category", p.rsplit(sep, 1)[0]),
            {"kind": SUBCATEGORY, "weight": 1.0},
        )
        for p in paths
        if sep in p
    )
    has_cat = meta["category"].notna()
    graph.add_edges_from(
        (node_id("item", i), node_id("category", c), {"kind": IN_CATEGORY, "weight": 1.0})
        for i, c in zip(meta.index[has_cat], meta["category"][has_cat], strict=True)
    )
    brands = meta["brand"].dropna()
    graph.add_nodes_from(
        (node_id("brand", b), {"kind": "brand", "label": str(b)}) for b in brands.unique()
    )
    graph.add_edges_from(
        (node_id("item", i), node_id("brand", b), {"kind": HAS_BRAND, "weight": 1.0})
        for i, b in brands.items()
    )
    banded = meta[meta["price_band"].notna()]
    bands = banded[["price_group", "price_band"]].drop_duplicates()
    graph.add_nodes_from(
        (
            price_node(g, b),
            {"kind": "price", "label": f"{b} price in {g.split(sep)[-1]}", "band": b, "group": g},
        )
        for g, b in bands.itertuples(index=False)
    )
    graph.add_edges_from(
        (node_id("item", i), price_node(g, b), {"kind": IN_PRICE_BAND, "weight": _PRICE_WEIGHT})
        for i, g, b in banded[["price_group", "price_band"]].itertuples()
    )
    attrs = meta["attributes"].explode().dropna()
    per_item = meta["attributes"].map(len)
    graph.add_nodes_from(
        (node_id("attribute", a), {"kind": "attribute", "label": str(a)}) for a in attrs.unique()
    )
    graph.add_edges_from(
        (
            node_id("item", i),
            node_id("attribute", a),
            {"kind": HAS_ATTRIBUTE, "weight": 1.0 / per_item[i]},
        )
        for i, a in attrs.items()
    )


def co_occurring_pairs(frame: pd.DataFrame, config: KGConfig) -> pd.DataFrame:
    """The strongest co-occurring item pairs of prepared events (`prepare_events`), by
    item id: `source`, `target`, `users`, `forward`, `backward`, `strength`
    (`seqrec_core.kg.cooccurrence.co_occurrence`)."""
    user_codes, _ = pd.factorize(frame[schema.USER_ID])
    item_codes, item_ids = pd.factorize(frame[schema.ITEM_ID])
    return pairs_by_item(
        user_codes, item_codes, item_ids, window=config.cooc_window, top_n=config.cooc_top_n
    )


def _add_co_occurrence(graph: nx.Graph, pairs: pd.DataFrame) -> None:
    """Item ↔ item edges of the strongest co-occurring pairs (`co_occurring_pairs`)."""
    columns = ["source", "target", "users", "forward", "backward", "strength"]
    for s, t, users, forward, backward, strength in pairs[columns].itertuples(index=False):
        a, b = node_id("item", s), node_id("item", t)
        lead = a if forward > backward else b if backward > forward else None
        graph.add_edge(a, b, kind=CO_OCCURS, weight=float(strength), users=int(users), lead=lead)


def _add_users(graph: nx.Graph, frame: pd.DataFrame) -> None:
    """User nodes and user → item edges (summed weight, strongest action, event count)."""
    keys = [schema.USER_ID, schema.ITEM_ID]
    strongest = (
        frame.sort_values("type_weight", kind="stable").groupby(keys)[schema.EVENT_TYPE].last()
    )
    grouped = frame.groupby(keys)["weight"].agg(["sum", "size"])
    graph.add_nodes_from(
        (node_id("user", u), {"kind": "user", "label": str(u)})
        for u in frame[schema.USER_ID].unique()
    )
    graph.add_edges_from(
        (
            node_id("user", u),
            node_id("item", i),
            {"kind": INTERACTED, "weight": float(w), "events": int(n), "action": a},
        )
        for (u, i), w, n, a in zip(
            grouped.index,
            grouped["sum"],
            grouped["size"],
            strongest.reindex(grouped.index),
            strict=True,
        )
    )


def build_graph(
    events: pd.DataFrame, items: pd.DataFrame | None = None, config: KGConfig | None = None
) -> KnowledgeGraph:
    """Build the knowledge graph of a dataset.

    Args:
        events: the accepted events (`user_id`, `item_id`, `timestamp`, optional
            `event_type` and `price`), in any order.
        items: the catalog (`item_id` plus any of title, category, brand, price,
            attributes), empty or None when the dataset has none.
        config: build settings (defaults: `KGConfig()`).

    Raises:
        InputError: the events lack a required column.
    """
    config = config or KGConfig()
    absent = [c for c in schema.REQUIRED_FIELDS if c not in events.columns]
    if absent:
        raise InputError(
            f"the events have no {', '.join(absent)} column", hint="ingest the log first"
        )
    frame = prepare_events(events, config)
    return assemble_graph(shop_aggregates(frame, events, items, config), frame)


@dataclass(frozen=True)
class ShopAggregates:
    """What the graph reads from the whole shop besides its shoppers' own events.

    Attributes:
        items: `item_metadata` (price bands are terciles within a category).
        pairs: the strongest co-occurring item pairs (`co_occurring_pairs`), with
            `source_row` and `target_row`, their items' rows in `items`.
        shop: shop-wide funnel and rhythm, the baseline every profile is compared with.
        coverage: share of items with each metadata field (and of events with a type).
        config: how the graph is built.
    """

    items: pd.DataFrame
    pairs: pd.DataFrame
    shop: ShopStats
    coverage: dict[str, float]
    config: KGConfig
    degrees: Mapping[str, int]  # each metadata node's degree (`metadata_degrees`)


def metadata_degrees(meta: pd.DataFrame) -> dict[str, int]:
    """Each metadata node's degree in the graph of items `meta` (`_add_item_metadata`):
    its items, and for a category its subcategories and its parent."""
    degrees: dict[str, int] = defaultdict(int)
    for leaf, n in meta["category"].dropna().value_counts().items():
        degrees[node_id("category", str(leaf))] += int(n)
    sep = schema.CATEGORY_SEPARATOR
    for path in {p for levels in meta["category_levels"] for p in levels}:
        if sep in path:
            degrees[node_id("category", path)] += 1
            degrees[node_id("category", path.rsplit(sep, 1)[0])] += 1
        else:
            degrees.setdefault(node_id("category", path), 0)
    for brand, n in meta["brand"].dropna().value_counts().items():
        degrees[node_id("brand", str(brand))] += int(n)
    banded = meta[meta["price_band"].notna()]
    for (group, band), n in banded.groupby(["price_group", "price_band"]).size().items():
        degrees[price_node(str(group), str(band))] += int(n)
    for attribute, n in meta["attributes"].explode().dropna().value_counts().items():
        degrees[node_id("attribute", str(attribute))] += int(n)
    return dict(degrees)


def shop_aggregates(
    frame: pd.DataFrame, events: pd.DataFrame, items: pd.DataFrame | None, config: KGConfig
) -> ShopAggregates:
    """The shop-wide parts of the graph from all events, `frame` prepared from them (in
    memory; `seqrec_core.kg.shop_scan` computes the same from a dataset's file)."""
    typed = float(frame[schema.EVENT_TYPE].notna().mean()) if len(frame) else 0.0
    return aggregates_of(
        item_metadata(events, items), co_occurring_pairs(frame, config), shop_stats(frame),
        typed, config,
    )  # fmt: skip


def aggregates_of(
    meta: pd.DataFrame, pairs: pd.DataFrame, shop: ShopStats, typed: float, config: KGConfig
) -> ShopAggregates:
    """`ShopAggregates` of the item metadata, the co-occurring pairs by item id, the shop
    stats and the share of events with an event type (`typed`)."""
    coverage = metadata_coverage(meta)
    coverage["event_type"] = typed
    # Each pair's items as rows of `meta`, so a shopper's neighbourhood is found with
    # integer lookups (`seqrec_core.kg.local_graph`).
    pairs["source_row"] = meta.index.get_indexer(pairs["source"])
    pairs["target_row"] = meta.index.get_indexer(pairs["target"])
    return ShopAggregates(meta, pairs, shop, coverage, config, metadata_degrees(meta))


def assemble_graph(shop: ShopAggregates, frame: pd.DataFrame) -> KnowledgeGraph:
    """The graph of `shop`'s items and pairs and of the users of prepared events `frame`.

    `build_graph` passes the whole shop; a shopper's local graph
    (`seqrec_core.kg.local_graph`) passes its neighbourhood's items and pairs, in the
    shop's order, and that shopper's events.
    """
    graph = nx.Graph()
    _add_item_metadata(graph, shop.items)
    _add_co_occurrence(graph, shop.pairs)
    _add_users(graph, frame)
    return KnowledgeGraph(
        graph=graph,
        items=shop.items,
        events=frame.drop(columns="type_weight"),
        user_rows=_user_rows(frame),
        shop=shop.shop,
        coverage=shop.coverage,
        config=shop.config,
        shop_degrees=shop.degrees,
    )
