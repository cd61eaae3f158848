"""The knowledge graph build: category parsing, price bands, co-occurrence, graph counts.

The handmade shop below has 9 items (8 in the catalog, one only in the events), 5 users
and 17 events; every expected count is worked out by hand in the comments.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.kg.cooccurrence import co_occurrence
from seqrec_core.kg.graph import KGConfig, build_graph
from seqrec_core.kg.item_metadata import ALL_ITEMS, category_paths, split_attributes, split_category
from seqrec_core.kg.nodes import node_id, node_kind, price_node
from tests.support.kg_shop import CATALOG, events_frame


@pytest.fixture(scope="module")
def kg():
    return build_graph(events_frame(), CATALOG)


@pytest.mark.parametrize(
    ("raw", "levels"),
    [
        ("Home > Kitchen > Knives", ("Home", "Kitchen", "Knives")),
        ("Home>Kitchen", ("Home", "Kitchen")),
        (" Electronics >  Cameras & Photo > ", ("Electronics", "Cameras & Photo")),
        ("electronics.audio.headphone", ("electronics", "audio", "headphone")),
        ("appliances.kitchen", ("appliances", "kitchen")),
        ("Vitamins 2.5 mg", ("Vitamins 2.5 mg",)),  # a name with a dot and spaces stays whole
        ("v2.0", ("v2", "0")),
        ("Books", ("Books",)),
        ("  ", ()),
        (None, ()),
        (float("nan"), ()),
    ],
)
def test_split_category_reads_both_path_styles(raw, levels) -> None:
    assert split_category(raw) == levels


def test_category_paths_are_the_ancestors_top_first() -> None:
    assert category_paths(("electronics", "audio", "headphone")) == (
        "electronics",
        "electronics > audio",
        "electronics > audio > headphone",
    )
    assert category_paths(()) == ()


def test_split_attributes_drops_blanks_and_repeats() -> None:
    assert split_attributes(" steel ;sharp;;steel") == ("steel", "sharp")
    assert split_attributes(None) == ()


def test_node_counts_of_the_handmade_shop(kg) -> None:
    kinds = Counter(d["kind"] for _, d in kg.graph.nodes(data=True))
    # 9 categories: Home, Home > Kitchen, ... > Knives, ... > Cups, electronics,
    # electronics > audio, ... > headphone, ... > speaker, Books.
    # 6 price bands: Knives has 3 priced items (low, mid, high); the rest share the
    # whole-catalog group (i4 5.0 low, i9 7.0 mid, i7 12.0 and i5 99.0 high).
    assert kinds == {
        "user": 5,
        "item": 9,
        "category": 9,
        "brand": 3,  # Acme, Blade, Sonic (a blank brand is missing)
        "price": 6,
        "attribute": 4,  # steel, sharp, wireless, bluetooth
    }


def test_edge_counts_of_the_handmade_shop(kg) -> None:
    kinds = Counter(d["kind"] for *_, d in kg.graph.edges(data=True))
    assert kinds["interacted"] == 15  # distinct (user, item) pairs of EVENTS
    assert kinds["in_category"] == 7  # i1–i7
    assert kinds["subcategory_of"] == 6  # 9 categories, 3 of them top level
    assert kinds["has_brand"] == 5  # i1–i5
    assert kinds["in_price_band"] == 7  # every priced item: i1–i5, i7, i9
    assert kinds["has_attribute"] == 6  # i1: 2, i2: 1, i5: 2, i6: 1
    assert kinds["co_occurs"] > 0


def test_price_bands_are_terciles_within_the_category(kg) -> None:
    knives = "Home > Kitchen > Knives"
    bands = kg.items["price_band"].to_dict()
    groups = kg.items["price_group"].to_dict()
    assert [bands[i] for i in ("i1", "i2", "i3")] == ["low", "mid", "high"]
    assert {groups[i] for i in ("i1", "i2", "i3")} == {knives}
    assert [bands[i] for i in ("i4", "i9", "i7", "i5")] == ["low", "mid", "high", "high"]
    assert groups["i9"] == ALL_ITEMS and kg.items.at["i9", "price"] == 7.0  # from the events
    assert kg.graph.has_edge(node_id("item", "i2"), price_node(knives, "mid"))
    assert pd.isna(bands["i6"]) and pd.isna(bands["i8"])


def test_hierarchy_and_labels(kg) -> None:
    graph = kg.graph
    assert graph.has_edge("cat:Home > Kitchen > Knives", "cat:Home > Kitchen")
    assert graph.has_edge("cat:electronics > audio", "cat:electronics")
    assert graph.has_edge("item:i2", "cat:Home > Kitchen > Knives")  # '>' without spaces
    assert kg.label("cat:electronics > audio > headphone") == "headphone"
    assert kg.label("item:i1") == "Chef Knife"
    assert kg.label("item:i9") == "item i9"  # no title: never a bare id
    assert node_kind("price:Home > Kitchen > Knives:low") == "price"


def test_user_edges_weigh_event_types(kg) -> None:
    bought = kg.graph.edges["user:u1", "item:i1"]
    viewed = kg.graph.edges["user:u1", "item:i2"]
    assert bought["action"] == "purchase" and bought["events"] == 2
    assert viewed["action"] == "view" and viewed["events"] == 1
    assert bought["weight"] > 5 * viewed["weight"] * 0.99  # purchase 5 + view 1 vs view 1


def test_recency_halves_the_weight_per_half_life() -> None:
    rows = [("u", "a", "view", 0), ("u", "b", "view", 30 * 24 * 60)]  # 30 days apart
    kg = build_graph(events_frame(rows), None, KGConfig(half_life_days=30.0))
    old, new = kg.graph.edges["user:u", "item:a"], kg.graph.edges["user:u", "item:b"]
    assert old["weight"] == pytest.approx(0.5 * new["weight"])


def test_coverage_says_what_is_missing(kg) -> None:
    assert kg.coverage["title"] == pytest.approx(8 / 9)
    assert kg.coverage["brand"] == pytest.approx(5 / 9)
    assert kg.missing == ()
    bare = build_graph(events_frame(), None)
    assert set(bare.missing) == {"title", "category", "brand", "attributes"}  # i9 has a price
    assert {d["kind"] for _, d in bare.graph.nodes(data=True)} == {"user", "item", "price"}


def test_co_occurrence_known_answer() -> None:
    """u0: a b c, u1: a b, u2: b a, u3: c c a (the repeat of c counts once)."""
    users = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 3])
    items = np.array([0, 1, 2, 0, 1, 1, 0, 2, 2, 0])
    pairs = co_occurrence(users, items, 3, window=1, top_n=5)
    got = {(s, t): (u, f, b) for s, t, u, f, b, _ in pairs.itertuples(index=False)}
    assert got == {(0, 1): (3, 2, 1), (1, 2): (1, 1, 0), (0, 2): (1, 0, 1)}
    strength = dict(
        zip(zip(pairs["source"], pairs["target"], strict=True), pairs["strength"], strict=True)
    )
    # users with the pair / sqrt(users of each item): a 4, b 3, c 2
    assert strength[(0, 1)] == pytest.approx(3 / math.sqrt(12))
    assert strength[(1, 2)] == pytest.approx(1 / math.sqrt(6))
    top1 = co_occurrence(users, items, 3, window=1, top_n=1)
    assert set(zip(top1["source"], top1["target"], strict=True)) == {(0, 1), (1, 2)}
    wider = co_occurrence(users, items, 3, window=2, top_n=5)
    ac = wider[(wider["source"] == 0) & (wider["target"] == 2)].iloc[0]
    assert (ac["users"], ac["forward"], ac["backward"]) == (2, 1, 1)  # u0 a…c, u3 c→a


def test_co_occurrence_of_nothing_is_empty() -> None:
    assert co_occurrence(np.array([0]), np.array([0]), 1).empty
    assert co_occurrence(np.array([0, 1]), np.array([0, 1]), 2).empty  # two users, one event each


def test_co_occurrence_edges_name_the_usual_order(kg) -> None:
    edge = kg.graph.edges["item:i1", "item:i2"]  # u1 and u2 both went i1 → i2
    assert edge["kind"] == "co_occurs" and edge["users"] == 2 and edge["lead"] == "item:i1"


def test_find_users_most_active_first(kg) -> None:
    assert kg.find_users() == ["u1", "u5", "u2", "u3", "u4"]
    assert kg.find_users("U", limit=2) == ["u1", "u5"]
    assert kg.find_users("nobody") == []


def test_bad_inputs_are_typed_errors() -> None:
    with pytest.raises(InputError, match="timestamp"):
        build_graph(pd.DataFrame({"user_id": ["u"], "item_id": ["i"]}))
    with pytest.raises(ConfigError, match="cooc_top_n"):
        KGConfig(cooc_top_n=0)
    with pytest.raises(InputError, match="nobody"):
        build_graph(events_frame()).user_events("nobody")
