"""Recommendations from a trained run: exact filters, labelled cold start, reasons, CLI.

On the handmade chain shop (tests/chain_shop.py), where the transition baseline gives
answers we can state exactly.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from seqrec_core.cli.main import main
from seqrec_core.errors import ConfigError, InputError
from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.paths import explain_paths
from seqrec_core.recommend.graph_reasons import graph_connections
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import (
    FALLBACK_CATEGORIES,
    FALLBACK_POPULAR,
    Event,
    Recommendation,
    RecommendationList,
    RunRecommender,
)
from seqrec_core.recommend.segments import SegmentRule, preview_segment, segment_users
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from tests.support.chain_shop import BRANDS, ITEMS, chain_shop


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    return chain_shop(tmp_path_factory.mktemp("recommend"))


@pytest.fixture(scope="module")
def engine(shop: tuple[Workspace, str]) -> RunRecommender:
    ws, run_id = shop
    return RunRecommender.from_run(load_run(ws, run_id))


def test_the_next_item_of_the_chain_comes_first_with_its_reason(engine: RunRecommender) -> None:
    history = (Event("P03", "view"), Event("P04", "purchase"))
    result = engine.recommend(history, k=3)
    assert result.fallback is None
    assert result.items[0].item_id == "P05"
    assert result.items[0].reason == "because they bought Thing 4"  # the event that votes
    assert result.items[0].because_index == 1
    assert result.items[0].fields == {
        "title": "Thing 5",
        "category": "Outdoor > Camping",
        "brand": "Borealis",
        "price": 50.0,
    }
    assert [r.rank for r in result.items] == [1, 2, 3]


def test_filters_are_exact(engine: RunRecommender) -> None:
    history = (Event("P03", "view"), Event("P04", "purchase"), Event("P05", "view"))
    rules = Filters(
        include_categories=("Outdoor",), exclude_brands=("Borealis",), min_price=30, max_price=200
    )
    items = engine.recommend(history, k=ITEMS, filters=rules).items
    assert items, "something passes these rules"
    seen = {e.item_id for e in history}
    for item in items:
        assert str(item.fields["category"]).startswith("Outdoor > ")
        assert item.fields["brand"] != "Borealis"
        assert 30 <= float(item.fields["price"]) <= 200
        assert item.item_id not in seen
    expected = {
        f"P{i:02d}"
        for i in range(1, 19)
        if BRANDS[i % 4] != "Borealis" and 30 <= 10 * i <= 200 and f"P{i:02d}" not in seen
    }
    assert {item.item_id for item in items} == expected

    only_bought = engine.recommend(
        history, k=ITEMS, filters=Filters(exclude_seen=False, exclude_purchased=True)
    )
    ids = {item.item_id for item in only_bought.items}
    assert "P04" not in ids and {"P03", "P05"} <= ids
    keep_all = engine.recommend(history, k=ITEMS, filters=Filters(exclude_seen=False))
    assert len(keep_all.items) == ITEMS
    with pytest.raises(ConfigError, match="min_price"):
        Filters(min_price=5, max_price=1)


def test_cold_start_never_errors_and_says_it_is_a_fallback(engine: RunRecommender) -> None:
    nobody = engine.recommend((), k=4)
    assert nobody.fallback == FALLBACK_POPULAR and len(nobody.items) == 4
    assert all("popular" in item.reason for item in nobody.items)
    short = engine.recommend((Event("P20", "view"),), k=5, min_events=3)
    assert short.fallback == FALLBACK_CATEGORIES
    assert all(str(item.fields["category"]).startswith("Home > ") for item in short.items)
    assert "P20" not in {item.item_id for item in short.items}


def test_unknown_items_and_event_types_are_named(engine: RunRecommender) -> None:
    with pytest.raises(InputError, match="'P99' is not in this model's catalog"):
        engine.recommend((Event("P99"),))
    with pytest.raises(InputError, match="event type 'wishlist'"):
        engine.recommend((Event("P01", "wishlist"),))


def test_stored_history_is_the_users_events_in_order(engine: RunRecommender) -> None:
    history = engine.user_history("u04")
    assert [e.item_id for e in history] == ["P14", "P15", "P16", "P17", "P18", "P10"]
    assert history[2].event_type == "purchase"
    assert engine.user_history("stranger") is None


def _cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return code, json.loads(out)


def test_cli_history_equals_the_engine_rescore(
    shop: tuple[Workspace, str], engine: RunRecommender, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, run_id = shop
    base = ["recommend", "--workspace", str(ws.root), "--run", run_id, "--json", "--k", "5"]
    code, answer = _cli(capsys, [*base, "--user", "new-shopper", "--history", "P10,P11:purchase"])
    assert code == 0 and answer["known_user"] is False and "fallback" not in answer
    page = engine.recommend(
        (Event("P10"), Event("P11", "purchase")), k=5, filters=Filters(exclude_seen=False)
    )
    assert [i["item_id"] for i in answer["items"]] == [r.item_id for r in page.items]
    assert [i["score"] for i in answer["items"]] == pytest.approx([r.score for r in page.items])
    assert {"item_id", "score", "rank", "title", "category", "brand", "price"} <= set(
        answer["items"][0]
    )

    code, cold = _cli(capsys, [*base, "--user", "new-shopper"])
    assert code == 0 and cold["fallback"] == "popular"
    code, bad = _cli(capsys, [*base, "--user", "u01", "--history", "P10,NOPE"])
    assert code == 1 and "'NOPE' is not in this model's catalog" in bad["error"]


def test_segment_users_and_preview(shop: tuple[Workspace, str], engine: RunRecommender) -> None:
    ws, _ = shop
    events, catalog = ws.read_events("chains"), ws.read_items("chains")
    kitchen = segment_users(events, catalog, SegmentRule(category="Home", days=None))
    # Every third shopper walks the Home > Kitchen chain and buys once.
    assert sorted(kitchen) == sorted(f"u{u:02d}" for u in range(43) if u % 3 == 2)
    assert segment_users(events, catalog, SegmentRule(brand="Nobody", days=None)) == []
    preview = preview_segment(engine, [*kitchen, "stranger"], k=3)
    assert preview.users == tuple(kitchen)  # unknown shoppers are left out
    assert preview.top_items.shape == (len(kitchen), 3)
    for user, row in zip(preview.users, preview.top_items, strict=True):
        seen = {e.item_id for e in engine.user_history(user)}
        single = engine.recommend(engine.user_history(user), k=3, reasons=False)
        assert [engine.table.items.tokens[i - 1] for i in row] == [r.item_id for r in single.items]
        assert not seen & {engine.table.items.tokens[i - 1] for i in row}
    assert 0 < preview.coverage <= 1 and 0 < preview.distinct_share <= 1
    assert preview.most_recommended["lists"].sum() <= 3 * len(kitchen)


def _listed(user: str | None, items: list[str], fallback: str | None = None):
    """A recommendation list as the engine returns it, for the items given (no model)."""
    recs = tuple(Recommendation(r, item, 1.0 / r, "") for r, item in enumerate(items, start=1))
    return RecommendationList(user, (), recs, fallback=fallback)


def test_graph_connections_say_how_each_item_links_to_the_shopper() -> None:
    """One function gives the Recommend page and the review report their KG column."""
    catalog = pd.DataFrame(
        {
            "item_id": ["t1", "t2", "t3", "t4"],
            "title": ["Trail Tent", "Camp Stove", "Espresso Cup", "Head Torch"],
            "category": [
                "Outdoor > Camping",
                "Outdoor > Camping",
                "Home > Kitchen",
                "Outdoor > Lights",
            ],
            "brand": ["Nordpeak", "Flame", "Bellaria", "Lumen"],
        }
    )
    events = pd.DataFrame(
        {
            "user_id": ["s1", "s2"],
            "item_id": ["t1", "t3"],
            "event_type": ["purchase", "view"],
            "timestamp": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 11:00"]),
        }
    )
    kg = build_graph(events, catalog)
    shown = _listed("s1", ["t2", "t4", "t3", "t1", "t404"])
    assert graph_connections(kg, shown) == [
        "Also in Camping, like the Trail Tent they bought.",
        "From the same department (Outdoor) as the Trail Tent they bought.",
        None,  # a kitchen cup: nothing links it to a tent
        "They already bought it (1 event).",
        None,  # not in the graph
    ]
    assert explain_paths(kg, "s1", "t2", k=1)[0].nodes == (
        "user:s1",
        "item:t1",
        "cat:Outdoor > Camping",
        "item:t2",
    )
    # No shopper, a shopper the graph does not know, or a popularity fallback: no "why".
    for listed in (
        _listed(None, ["t2"]),
        _listed("ghost", ["t2"]),
        _listed("s1", ["t2"], fallback=FALLBACK_POPULAR),
    ):
        assert graph_connections(kg, listed) == [None]
