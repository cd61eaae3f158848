"""Inferred interests: categories, brands and attributes near what a user did, not yet touched.

Personalized PageRank (restarting at the user) runs on a bounded subgraph around the
user, not on the whole graph: the user's items (the strongest `max_items`), the items
that co-occur most with them (`max_neighbours`), and every category (with its ancestors),
brand, price band and attribute of those items. Other users are left out. On Amazon
Beauty that keeps one profile far under a second where the full graph takes seconds
(`benchmarks/kg.py` prints both). Nodes the user already touched (their items' own
categories, ancestors, brands and attributes) are not interests; each interest comes with
the cheapest path from the user in the subgraph (hops first, then strong edges), which
justifies it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx

from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.kg.nodes import CO_OCCURS, INTERACTED, induced_subgraph, node_id, node_kind
from seqrec_core.kg.paths import KGPath, describe_path, path_relations
from seqrec_core.schema import CATEGORY_SEPARATOR

INTEREST_KINDS = ("category", "brand", "attribute")
_METADATA_KINDS = ("category", "brand", "price", "attribute")
ALPHA = 0.85  # PageRank damping: the walk restarts at the user with probability 0.15
MAX_ITEMS = 100  # the user's strongest items the walk starts from
MAX_NEIGHBOURS = 200  # the items co-occurring most with those, walked through


@dataclass(frozen=True)
class Interest:
    """One inferred interest: a node the user has not touched, and why it is near them."""

    node: str
    kind: str  # 'category', 'brand' or 'attribute'
    label: str
    score: float  # personalized PageRank mass in the bounded subgraph
    path: KGPath

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the path's nodes, relations and sentence included)."""
        return {
            "node": self.node,
            "kind": self.kind,
            "label": self.label,
            "score": round(self.score, 6),
            "sentence": self.path.sentence,
            "path": list(self.path.nodes),
            "relations": list(self.path.relations),
        }


def _ancestors(node: str) -> list[str]:
    """A category node's ancestor nodes ('cat:A > B > C' → 'cat:A', 'cat:A > B')."""
    parts = node.partition(":")[2].split(CATEGORY_SEPARATOR)
    return [node_id("category", CATEGORY_SEPARATOR.join(parts[:i])) for i in range(1, len(parts))]


def _metadata(graph: nx.Graph, items: list[str]) -> set[str]:
    """Metadata nodes of items, category ancestors included."""
    found: set[str] = set()
    for item in items:
        for other in graph.adj[item]:
            kind = node_kind(other)
            if kind in _METADATA_KINDS:
                found.add(other)
                if kind == "category":
                    found.update(_ancestors(other))
    return found


def neighbourhood(
    kg: KnowledgeGraph,
    user_id: str,
    *,
    max_items: int = MAX_ITEMS,
    max_neighbours: int = MAX_NEIGHBOURS,
) -> tuple[list[str], set[str]]:
    """The bounded subgraph's nodes around a user, and the nodes they already touched.

    Returns:
        (nodes, touched): the user, their strongest items, the most co-occurring other
        items and all metadata nodes of both; touched = the user's items and their
        metadata nodes.
    """
    graph = kg.graph
    user = node_id("user", str(user_id))
    kg.user_events(user_id)  # InputError for an unknown user
    edges = [(d["weight"], n) for n, d in graph.adj[user].items() if d["kind"] == INTERACTED]
    own = [n for _, n in sorted(edges, key=lambda e: (-e[0], e[1]))[:max_items]]
    own_set = set(own)
    pull: dict[str, float] = defaultdict(float)
    for weight, item in edges:
        if item not in own_set:
            continue
        for other, data in graph.adj[item].items():
            if data["kind"] == CO_OCCURS and other not in own_set:
                pull[other] += weight * data["weight"]
    near = sorted(pull, key=lambda n: (-pull[n], n))[:max_neighbours]
    touched = own_set | _metadata(graph, own)
    nodes = [
        user,
        *own,
        *near,
        *sorted(_metadata(graph, near) - touched),
        *sorted(touched - own_set),
    ]
    return nodes, touched


def personalized_pagerank(
    graph: nx.Graph, user_node: str, nodes: list[str] | None = None
) -> dict[str, float]:
    """PageRank restarting at `user_node`, on the subgraph of `nodes` (all if None)."""
    sub = graph if nodes is None else induced_subgraph(graph, nodes)
    return nx.pagerank(
        sub, alpha=ALPHA, personalization={user_node: 1.0}, weight="weight", tol=1e-8
    )


def _cost(_a: str, _b: str, data: dict[str, Any]) -> float:
    """Edge cost for justification paths: one per hop, less for stronger edges."""
    return 1.0 + 1.0 / (1.0 + float(data.get("weight", 0.0)))


def inferred_interests(
    kg: KnowledgeGraph,
    user_id: str,
    *,
    k: int = 8,
    kinds: tuple[str, ...] = INTEREST_KINDS,
    max_items: int = MAX_ITEMS,
    max_neighbours: int = MAX_NEIGHBOURS,
) -> list[Interest]:
    """The `k` untouched categories/brands/attributes with most personalized PageRank.

    Raises:
        InputError: the user has no events.
    """
    if k <= 0:
        kg.user_events(user_id)  # still an InputError for an unknown user
        return []
    nodes, touched = neighbourhood(kg, user_id, max_items=max_items, max_neighbours=max_neighbours)
    user = nodes[0]
    sub = induced_subgraph(kg.graph, nodes)  # filter the big graph's adjacency once
    ranks = personalized_pagerank(sub, user)
    candidates = [n for n in nodes if n not in touched and n != user and node_kind(n) in kinds]
    candidates.sort(key=lambda n: (-ranks.get(n, 0.0), n))
    if not candidates:
        return []
    _, paths = nx.single_source_dijkstra(sub, user, weight=_cost)
    interests = []
    for node in candidates:
        if node not in paths:
            continue
        route = tuple(paths[node])
        path = KGPath(
            nodes=route,
            relations=path_relations(kg.graph, route),
            kind="interest",
            score=ranks[node],
            sentence=describe_path(kg.graph, route),
        )
        interests.append(Interest(node, node_kind(node), kg.label(node), ranks[node], path))
        if len(interests) == k:
            break
    return interests
