"""Explanation paths: why an item suits a user, as short paths through the knowledge graph.

`explain_paths` finds the strongest short paths from a user to an item, one per kind of
link (the item itself in the history, same brand, same category, same department, often
shopped after, shared attribute, same price band) and past item, and renders each as one
sentence with item titles: "Same brand (Lumora) as the Lumora V150 Mirrorless Camera they
bought." `describe_path` renders any path hop by hop (the inferred interests use it).

A path's score is the user's (recency-weighted) affinity for the past item, relative to
their strongest one, times the strength of the link: co-occurrence strength, or for a
shared brand/category/attribute/price band a prior per kind times its specificity
(1 / log2(2 + its degree): a brand of 20 items says more than an attribute of 4,000).
An item the user already touched scores 1, the most any path can, so it comes first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from seqrec_core.errors import InputError
from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.kg.nodes import (
    CO_OCCURS,
    HAS_ATTRIBUTE,
    HAS_BRAND,
    IN_CATEGORY,
    IN_PRICE_BAND,
    INTERACTED,
    SUBCATEGORY,
    node_id,
)
from seqrec_core.schema import CATEGORY_SEPARATOR

VERBS = {
    "purchase": "bought",
    "cart": "added to the cart",
    "fav": "saved",
    "view": "viewed",
    "click": "clicked",
    "remove_from_cart": "took out of the cart",
}
# How much each kind of link says on its own (before the link's own strength).
PRIORS = {
    "history": 1.0,
    "co_occurs": 1.0,
    "brand": 0.9,
    "category": 0.8,
    "department": 0.5,
    "attribute": 0.6,
    "price": 0.4,
}
_META_KIND = {
    HAS_BRAND: "brand",
    IN_CATEGORY: "category",
    HAS_ATTRIBUTE: "attribute",
    IN_PRICE_BAND: "price",
}


@dataclass(frozen=True)
class KGPath:
    """One path through the graph with its sentence.

    Attributes:
        nodes: typed node ids from the user to the target.
        relations: the edge kind of each hop (`len(nodes) - 1` of them).
        kind: what links them ('history', 'brand', 'category', 'department', 'co_occurs',
            'attribute', 'price'; 'interest' for inferred-interest paths).
        score: strength of the path (comparable within one call).
        sentence: the path in words, with item titles and category/brand names.
    """

    nodes: tuple[str, ...]
    relations: tuple[str, ...]
    kind: str
    score: float
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "score": round(self.score, 6),
            "sentence": self.sentence,
            "nodes": list(self.nodes),
            "relations": list(self.relations),
        }


def verb(action: object) -> str:
    """The past-tense phrase of an event type ('bought' for purchase)."""
    return VERBS.get(str(action), "interacted with")


def path_relations(graph: nx.Graph, nodes: tuple[str, ...]) -> tuple[str, ...]:
    """The edge kind of every hop of a path; KeyError if a hop is not an edge."""
    return tuple(graph.edges[a, b]["kind"] for a, b in itertools.pairwise(nodes))


def _hop(graph: nx.Graph, a: str, b: str) -> str:
    """One hop in words, from `a` to `b`."""
    edge = graph.edges[a, b]
    kind, label = edge["kind"], graph.nodes[b]["label"]
    if kind == INTERACTED:  # paths start at the user; other users are never on them
        return f"they {verb(edge.get('action'))} {label}"
    if kind == CO_OCCURS:
        if edge.get("lead") == a:
            return f"shoppers often go on to {label}"
        return f"often shopped together with {label}"
    if kind == SUBCATEGORY:
        upward = graph.nodes[a]["path"].startswith(graph.nodes[b]["path"] + CATEGORY_SEPARATOR)
        return f"part of {label}" if upward else f"which also has {label}"
    if b.startswith("item:"):
        return f"like {label}"
    words = {
        IN_CATEGORY: "in {}",
        HAS_BRAND: "by {}",
        HAS_ATTRIBUTE: "tagged “{}”",
        IN_PRICE_BAND: "at a {}",
    }
    return words.get(kind, "linked to {}").format(label)


def describe_path(graph: nx.Graph, nodes: tuple[str, ...]) -> str:
    """A path hop by hop: 'They bought X → shoppers often go on to Y → by Voltix.'"""
    hops = [_hop(graph, a, b) for a, b in itertools.pairwise(nodes)]
    text = " → ".join(hops)
    return (text[:1].upper() + text[1:] + ".") if text else ""


def _specificity(kg: KnowledgeGraph, node: str) -> float:
    """1 / log2(2 + the node's degree in the whole shop's graph)."""
    return 1.0 / math.log2(2 + kg.degree(node))


def _meta_sentence(kg: KnowledgeGraph, kind: str, via: str, past: str, action: object) -> str:
    """The sentence of a shared-metadata link between the target and a past item."""
    label, seen = kg.label(via), f"the {kg.label(past)} they {verb(action)}"
    if kind == "brand":
        return f"Same brand ({label}) as {seen}."
    if kind == "category":
        return f"Also in {label}, like {seen}."
    if kind == "department":
        return f"From the same department ({label}) as {seen}."
    if kind == "attribute":
        return f"Shares “{label}” with {seen}."
    return f"Same price band ({label}) as {seen}."


def _cooc_sentence(kg: KnowledgeGraph, edge: dict, past: str, target: str, action: object) -> str:
    seen, users = f"the {kg.label(past)} they {verb(action)}", edge.get("users", 0)
    shoppers = f" ({users} shoppers)" if users else ""
    if edge.get("lead") == past:
        return f"Shoppers often go on to it after {seen}{shoppers}."
    return f"Often shopped together with {seen}{shoppers}."


def _category_levels(kg: KnowledgeGraph, nodes: list[str]) -> dict[str, tuple[str, ...]]:
    """Item node → its category path levels, read from the items table in one lookup."""
    ids = [n.partition(":")[2] for n in nodes]
    levels = kg.items["category_levels"].reindex(ids).tolist()
    return {n: level for n, level in zip(nodes, levels, strict=True) if isinstance(level, tuple)}


def _department_path(
    levels: Mapping[str, tuple[str, ...]], user: str, past: str, target: str
) -> tuple[str, ...] | None:
    """user → past → its categories up to the deepest shared ancestor → down → target."""
    mine, theirs = levels.get(past, ()), levels.get(target, ())
    shared = 0
    while shared < min(len(mine), len(theirs)) and mine[shared] == theirs[shared]:
        shared += 1
    if shared == 0 or shared == len(theirs) or shared == len(mine):
        return None  # nothing shared, or the same leaf (a 'category' link), or nested
    up = [node_id("category", p) for p in reversed(mine[shared - 1 :])]
    down = [node_id("category", p) for p in theirs[shared:]]
    return (user, past, *up, *down, target)


def explain_paths(kg: KnowledgeGraph, user_id: str, item_id: str, k: int = 3) -> list[KGPath]:
    """The `k` strongest short paths from a user to an item, strongest first.

    At most one path per kind of link and connecting node (the strongest past item), so
    five purchases of one brand give one 'same brand' sentence, not five.

    Raises:
        InputError: the user or the item is not in the graph.
    """
    graph = kg.graph
    user, target = node_id("user", str(user_id)), node_id("item", str(item_id))
    for node, what in ((user, "user"), (target, "item")):
        if node not in graph:
            raise InputError(f"{what} {node.partition(':')[2]!r} is not in this dataset's graph")
    history = {n: d for n, d in graph.adj[user].items() if d["kind"] == INTERACTED}
    top = max((d["weight"] for d in history.values()), default=1.0) or 1.0
    best: dict[tuple[str, str], KGPath] = {}

    def offer(kind: str, via: str, nodes: tuple[str, ...], strength: float, sentence: str) -> None:
        past = nodes[1]
        score = PRIORS[kind] * strength
        if kind != "history":  # the item itself in the history is always the first reason
            score *= history[past]["weight"] / top
        key = (kind, via)
        if key not in best or score > best[key].score:
            best[key] = KGPath(nodes, path_relations(graph, nodes), kind, score, sentence)

    if target in history:
        events, action = history[target].get("events", 1), history[target].get("action")
        plural = "event" if events == 1 else "events"
        offer(
            "history",
            target,
            (user, target),
            1.0,
            f"They already {verb(action)} it ({events} {plural}).",
        )
    for via, link in graph.adj[target].items():
        kind = _META_KIND.get(link["kind"])
        if kind is None:
            continue
        spec = _specificity(kg, via)
        for past, data in history.items():
            if past != target and graph.has_edge(past, via):
                sentence = _meta_sentence(kg, kind, via, past, data.get("action"))
                offer(kind, via, (user, past, via, target), spec, sentence)
    levels = _category_levels(kg, [target, *history])
    for past, data in history.items():
        if past == target:
            continue
        edge = graph.get_edge_data(past, target)
        if edge is not None and edge["kind"] == CO_OCCURS:
            sentence = _cooc_sentence(kg, edge, past, target, data.get("action"))
            offer("co_occurs", past, (user, past, target), edge["weight"], sentence)
        nodes = _department_path(levels, user, past, target)
        if nodes is not None:
            apex = _apex(nodes)
            spec = _specificity(kg, apex) * 0.5 ** (len(nodes) - 5)
            sentence = _meta_sentence(kg, "department", apex, past, data.get("action"))
            offer("department", apex, nodes, spec, sentence)
    ranked = sorted(best.values(), key=lambda p: (-p.score, p.kind, p.nodes))
    return ranked[:k]


def _apex(nodes: tuple[str, ...]) -> str:
    """The shortest category path on a department path (the shared ancestor)."""
    cats = [n for n in nodes if n.startswith("cat:")]
    return min(cats, key=lambda n: n.count(">"))
