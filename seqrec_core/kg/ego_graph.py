"""A user's neighbourhood in the knowledge graph as a small, drawable network (the ego graph).

`ego_network` picks at most `max_nodes` nodes around a user, heaviest first: a node's
score is the probability mass a short walk from the user (up to three steps, each along
an edge chosen in proportion to its weight, never to another user) puts on it, so the
categories and brands shared by many of the user's items come first, then their
strongest items, then what co-occurs with them. Other users are never shown. The
layout is networkx's spring layout with a fixed seed, so the same user and size always
give the same picture; `shopper_profile.ego_graph_figure` draws it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.kg.nodes import INTERACTED, induced_subgraph, node_id, node_kind
from seqrec_core.kg.paths import verb

MAX_DEPTH = 3  # hops from the user
_FRONTIER = 300  # nodes that walk on per step (bounds the work on hub nodes)


@dataclass(frozen=True)
class EgoGraph:
    """Nodes with positions and edges of a user's neighbourhood.

    Attributes:
        nodes: `node, kind, role, label, hover, x, y, score`; role is 'user', 'history'
            (an item the user touched), 'item', or the metadata kind.
        edges: `source, target, kind, weight`.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame


def _step_weights(graph: nx.Graph, node: str) -> list[tuple[str, float]]:
    """Where a walk goes from `node`: its neighbours but users, with their probabilities.

    From the user this is their items; from anywhere else the walk never returns to a
    user (it would only dilute the mass on items' categories, brands and neighbours).
    """
    pairs = [
        (other, float(data.get("weight", 0.0)))
        for other, data in graph.adj[node].items()
        if not other.startswith("user:")
    ]
    total = sum(w for _, w in pairs) or 1.0
    return [(other, w / total) for other, w in pairs if w > 0]


def walk_mass(graph: nx.Graph, user: str, depth: int = MAX_DEPTH) -> dict[str, float]:
    """Probability mass reaching each node in 1..`depth` steps of a walk from `user`
    (summed over the steps; only the `_FRONTIER` heaviest nodes walk on each step)."""
    total: dict[str, float] = defaultdict(float)
    frontier = {user: 1.0}
    for _ in range(depth):
        reached: dict[str, float] = defaultdict(float)
        heaviest = sorted(frontier.items(), key=lambda kv: (-kv[1], kv[0]))[:_FRONTIER]
        for node, mass in heaviest:
            for other, p in _step_weights(graph, node):
                reached[other] += mass * p
        for node, mass in reached.items():
            total[node] += mass
        frontier = reached
    return total


def select_nodes(graph: nx.Graph, user: str, max_nodes: int) -> dict[str, float]:
    """Up to `max_nodes` nodes around `user`, heaviest walk mass first, each linked to
    one chosen before it (so the drawing is connected), with their masses."""
    mass = walk_mass(graph, user)
    pending = sorted(mass, key=lambda n: (-mass[n], n))[: 5 * max_nodes]
    chosen: dict[str, float] = {user: 1.0}
    progress = True
    while pending and progress and len(chosen) < max_nodes:
        progress, deferred = False, []
        for node in pending:
            if len(chosen) >= max_nodes:
                break
            if any(graph.has_edge(node, other) for other in chosen):
                chosen[node] = mass[node]
                progress = True
            else:
                deferred.append(node)
        pending = deferred
    return chosen


def _hover(kg: KnowledgeGraph, node: str, user: str) -> str:
    graph, kind = kg.graph, node_kind(node)
    data = graph.nodes[node]
    ident = node.partition(":")[2]
    if kind == "item":
        text = f"{data['label']}<br>item {ident}"
        edge = graph.get_edge_data(user, node)
        if edge is not None and edge["kind"] == INTERACTED:
            text += f"<br>they {verb(edge.get('action'))} it ({edge.get('events', 1)} events)"
        return text
    if kind == "category":
        return f"category<br>{data.get('path', ident)}"
    return f"{kind}<br>{data['label']}"


def ego_network(
    kg: KnowledgeGraph, user_id: str, *, max_nodes: int = 40, seed: int = 0
) -> EgoGraph:
    """The user's neighbourhood: at most `max_nodes` nodes, laid out reproducibly.

    Raises:
        InputError: the user has no events.
    """
    kg.user_events(str(user_id))  # InputError for an unknown user
    graph = kg.graph
    user = node_id("user", str(user_id))
    scores = select_nodes(graph, user, max(2, int(max_nodes)))
    sub = induced_subgraph(graph, scores)  # the same layout in every process
    positions = nx.spring_layout(sub, seed=seed, weight=None)
    rows = []
    for node, score in scores.items():
        kind = node_kind(node)
        role = kind
        if kind == "item":
            touched = graph.has_edge(user, node)
            role = "history" if touched else "item"
        x, y = positions[node]
        rows.append(
            {
                "node": node,
                "kind": kind,
                "role": role,
                "label": kg.label(node),
                "hover": _hover(kg, node, user),
                "x": float(x),
                "y": float(y),
                "score": score,
            }
        )
    edges = [
        {"source": a, "target": b, "kind": d["kind"], "weight": float(d.get("weight", 0.0))}
        for a, b, d in sub.edges(data=True)
    ]
    return EgoGraph(
        nodes=pd.DataFrame(rows),
        edges=pd.DataFrame(edges, columns=["source", "target", "kind", "weight"]),
    )
