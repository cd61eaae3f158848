"""Typed node ids and edge kinds of the knowledge graph (`seqrec_core.kg.graph`).

The part of a node id before the first ':' is its kind:

    user:U00001   item:P0001   cat:Home > Kitchen   brand:Acme
    price:Home > Kitchen > Knives:high             attr:waterproof
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

NODE_KINDS = ("user", "item", "category", "brand", "price", "attribute")
_PREFIX = {
    "user": "user",
    "item": "item",
    "category": "cat",
    "brand": "brand",
    "price": "price",
    "attribute": "attr",
}
_KIND_OF_PREFIX = {prefix: kind for kind, prefix in _PREFIX.items()}
INTERACTED, IN_CATEGORY, SUBCATEGORY = "interacted", "in_category", "subcategory_of"
HAS_BRAND, IN_PRICE_BAND, HAS_ATTRIBUTE, CO_OCCURS = (
    "has_brand",
    "in_price_band",
    "has_attribute",
    "co_occurs",
)
EDGE_KINDS = (
    INTERACTED,
    IN_CATEGORY,
    SUBCATEGORY,
    HAS_BRAND,
    IN_PRICE_BAND,
    HAS_ATTRIBUTE,
    CO_OCCURS,
)


def node_id(kind: str, value: str) -> str:
    """The typed id of a node: node_id('brand', 'Acme') → 'brand:Acme'."""
    return f"{_PREFIX[kind]}:{value}"


def node_kind(node: str) -> str:
    """The kind of a typed node id ('item' for 'item:P0001')."""
    return _KIND_OF_PREFIX[node.partition(":")[0]]


def price_node(group: str, band: str) -> str:
    """The node of a price band within a category: 'price:Home > Kitchen:high'."""
    return f"price:{group}:{band}"


def induced_subgraph(graph: nx.Graph, nodes: Iterable[str]) -> nx.Graph:
    """The subgraph of `nodes` (and the edges among them), as a new graph in their order.

    networkx's `graph.subgraph` iterates a small node set in the set's order, which
    changes from one process to the next (string hashing is salted), and with it the
    ties of PageRank, shortest paths and layouts; this one is the same in every process.
    """
    order = list(dict.fromkeys(nodes))
    keep = set(order)
    sub = nx.Graph()
    sub.add_nodes_from((n, dict(graph.nodes[n])) for n in order)
    sub.add_edges_from(
        (a, b, dict(data)) for a in order for b, data in graph.adj[a].items() if b in keep
    )
    return sub
