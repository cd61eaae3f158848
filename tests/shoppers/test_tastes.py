"""Shopper tastes: per-shopper category, brand, band and spend weights equal a hand count.

On the chain shop (tests/support/chain_shop.py): 43 shoppers, 6 events each in one
category, four brands in turn, a purchase at the third step; its `cooc` run has no
shopper vectors, but its tastes are read from the history alone. The planted shop adds
carts and histories of different lengths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqrec_core.kg.graph import DEFAULT_EVENT_WEIGHTS
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs.trained_run import load_run
from seqrec_core.shoppers.tastes import (
    Tastes,
    group_tastes,
    shopper_table,
    shopper_tastes,
    taste_lines,
    top_shares,
)
from tests.shoppers.conftest import Planted
from tests.support import chain_shop, planted_shop


@pytest.fixture(scope="module")
def tastes(tmp_path_factory: pytest.TempPathFactory) -> Tastes:
    ws, run = chain_shop.chain_shop(tmp_path_factory.mktemp("shopper-tastes"))
    return shopper_tastes(RunRecommender.from_run(load_run(ws, run)))


@pytest.fixture(scope="module")
def hand() -> pd.DataFrame:
    """Every event with its catalog fields and its weight (view 1, purchase 5)."""
    events = chain_shop.events().merge(chain_shop.catalog(), on="item_id")
    events["weight"] = events["event_type"].map(DEFAULT_EVENT_WEIGHTS)
    events["top"] = events["category"].str.split(" > ").str[0]
    return events


def _hand_top(hand: pd.DataFrame, user: str, column: str) -> list[str]:
    weights = hand[hand["user_id"] == user].groupby(column)["weight"].sum()
    ranked = sorted(weights.items(), key=lambda pair: (-pair[1], pair[0]))
    return [name for name, _ in ranked[:3]]


def test_the_event_weights_are_the_knowledge_graph_ones() -> None:
    assert (DEFAULT_EVENT_WEIGHTS["view"], DEFAULT_EVENT_WEIGHTS["cart"]) == (1.0, 3.0)
    assert DEFAULT_EVENT_WEIGHTS["purchase"] == 5.0


def test_weights_per_shopper_equal_a_hand_count(tastes: Tastes, hand: pd.DataFrame) -> None:
    assert tastes.users == tuple(f"u{u:02d}" for u in range(43))
    assert tastes.categories == ("Home", "Outdoor") and tastes.brands == chain_shop.BRANDS
    assert tastes.has_categories and tastes.has_brands
    cats = tastes.category_weights.toarray()
    brands = tastes.brand_weights.toarray()
    for row, user in enumerate(tastes.users):
        mine = hand[hand["user_id"] == user]
        by_cat = mine.groupby("top")["weight"].sum()
        by_brand = mine.groupby("brand")["weight"].sum()
        assert dict(zip(tastes.categories, cats[row], strict=True)) == {
            c: by_cat.get(c, 0.0) for c in tastes.categories
        }
        assert dict(zip(tastes.brands, brands[row], strict=True)) == {
            b: by_brand.get(b, 0.0) for b in tastes.brands
        }
        assert tastes.band_weights[row].sum() == mine["weight"].sum() == 10.0  # 5 views + 5
    np.testing.assert_array_equal(tastes.events, np.full(43, 6))
    items = tastes.item_weights.toarray()
    assert items.shape == (43, chain_shop.ITEMS + 1) and items[:, 0].sum() == 0
    assert items.sum() == hand["weight"].sum()
    assert tastes.item_names[1:4] == ("Thing 1", "Thing 2", "Thing 3")


def test_spend_is_the_catalog_price_of_the_purchases(tastes: Tastes, hand: pd.DataFrame) -> None:
    bought = hand[hand["event_type"] == "purchase"].groupby("user_id")["price"].sum()
    np.testing.assert_allclose(tastes.spend, [bought[u] for u in tastes.users])
    # u05 walks Home > Kitchen (block 2) from step 5: its purchase is item 18 + 7 + 1 = P26.
    assert tastes.spend[5] == 260.0


def test_shopper_table_names_each_shoppers_top_categories_and_brands(
    tastes: Tastes, hand: pd.DataFrame
) -> None:
    rows = np.array([5, 0, 42, 17, 8])  # any order
    table = shopper_table(tastes, rows)
    assert list(table.columns) == [
        "user_id",
        "main_category",
        "top_categories",
        "top_brands",
        "top_items",
        "events",
        "spend",
    ]
    assert table["user_id"].tolist() == ["u05", "u00", "u42", "u17", "u08"]
    lines = taste_lines(table)
    assert lines.tolist() == [
        f"{c} · {b}" for c, b in zip(table["top_categories"], table["top_brands"], strict=True)
    ]
    no_catalog = table.assign(top_categories="", top_brands="")
    assert taste_lines(no_catalog).tolist() == table["top_items"].tolist()
    for _, line in table.iterrows():
        user = line["user_id"]
        assert line["top_brands"] == ", ".join(_hand_top(hand, user, "brand"))
        assert line["top_categories"] == ", ".join(_hand_top(hand, user, "top"))
        assert line["main_category"] == _hand_top(hand, user, "top")[0]
        assert line["events"] == 6
    # u00 walks P01..P06 and buys P03 (Dune, 5); Borealis and Cedar 2 each, Acme 1.
    assert table.loc[1, "top_brands"] == "Dune, Borealis, Cedar"
    assert table.loc[1, "main_category"] == "Outdoor" and table.loc[1, "spend"] == 30.0
    # Its items: the bought one first, then the viewed ones in catalog order (ties).
    assert table.loc[1, "top_items"] == "Thing 3; Thing 1; Thing 2"


def test_group_tastes_sum_the_groups_weights(tastes: Tastes, hand: pd.DataFrame) -> None:
    kitchen = np.arange(2, 43, 3)  # u02, u05, ...: block 2, Home > Kitchen
    summary = group_tastes(tastes, kitchen)
    assert summary["top_categories"] == [("Home", 1.0)]
    users = {f"u{u:02d}" for u in kitchen}
    mine = hand[hand["user_id"].isin(users)]
    by_brand = mine.groupby("brand")["weight"].sum() / mine["weight"].sum()
    expected = sorted(by_brand.items(), key=lambda pair: (-pair[1], pair[0]))[:3]
    assert [n for n, _ in summary["top_brands"]] == [n for n, _ in expected]
    np.testing.assert_allclose([s for _, s in summary["top_brands"]], [s for _, s in expected])
    assert summary["median_events"] == 6.0
    assert summary["median_spend"] == float(np.median(tastes.spend[kitchen]))
    assert summary["price_band"] in ("low", "mid", "high") and summary["price_band_share"] > 0
    assert len(summary["top_items"]) == 3
    empty = group_tastes(tastes, np.array([], dtype=np.int64))
    assert empty["top_categories"] == [] and empty["price_band"] is None
    assert empty["median_events"] == 0.0 and empty["median_spend"] == 0.0


def test_top_shares_skip_empty_names_and_keep_ties_in_order() -> None:
    names = ("a", "b", "c", "d")
    assert top_shares(np.array([1.0, 3.0, 0.0, 1.0]), names) == [
        ("b", 0.6),
        ("a", 0.2),
        ("d", 0.2),
    ]
    assert top_shares(np.array([0.0, 2.0, 0.0, 0.0]), names) == [("b", 1.0)]
    assert top_shares(np.zeros(4), names) == []


def test_carts_weigh_three_on_the_planted_shop(planted: Planted) -> None:
    tastes = shopper_tastes(RunRecommender.from_run(planted.loaded))
    categories = tastes.category_weights.toarray()
    brands = tastes.brand_weights.toarray()
    for row, user in enumerate(tastes.users):
        group, number = int(user[1]), int(user[3:])
        total = planted_shop.steps(number) - 2 + 3 + 5  # views, one cart, one purchase
        assert tastes.events[row] == planted_shop.steps(number)
        top = planted_shop.CATEGORIES[group].split(" > ")[0]
        assert categories[row].tolist() == [total * (c == top) for c in tastes.categories]
        assert brands[row].tolist() == [
            total * (b == planted_shop.BRANDS[group]) for b in tastes.brands
        ]
        bought = group * planted_shop.RING + (number + 4) % planted_shop.RING + 1
        assert tastes.spend[row] == 5.0 * bought


def test_distinctive_names_are_over_their_shop_share_and_not_tiny() -> None:
    from seqrec_core.shoppers.tastes import distinctive

    group = np.array([10.0, 10.0, 80.0, 0.001])
    shop = np.array([100.0, 10.0, 890.0, 0.0001])
    # shares .1/.1/.8 vs .1/.01/.89: only "b" is over-represented (10×); "d" is over
    # its shop share too but under 0.5% of the group, so it does not count.
    assert distinctive(group, shop, ("a", "b", "c", "d")) == [("b", pytest.approx(10.0, rel=1e-4))]
    assert distinctive(np.zeros(4), shop, ("a", "b", "c", "d")) == []
