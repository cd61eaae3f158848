"""The KG-enriched profile, inferred interests, explanation paths and the ego graph.

Known answers come from the handmade shop of `test_kg` and from the bundled sample shop,
whose hidden per-user truth (`sample_data/user_truth.csv.gz`: each user's preferred brand
per top-level category) the brand affinities must recover.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.errors import InputError
from seqrec_core.ingest.sample import SAMPLE_DIR, ensure_sample
from seqrec_core.kg.ego_graph import ego_network
from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.interests import INTEREST_KINDS, inferred_interests, neighbourhood
from seqrec_core.kg.nodes import node_id, node_kind
from seqrec_core.kg.paths import explain_paths
from seqrec_core.kg.shopper_profile import brand_affinities, user_profile
from seqrec_core.store import Workspace
from tests.support.kg_shop import CATALOG, events_frame

TOP_LEVELS = ("Electronics", "Home & Kitchen", "Outdoor", "Beauty", "Sports", "Books", "Toys")


@pytest.fixture(scope="module")
def small():
    return build_graph(events_frame(), CATALOG)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    ws = Workspace.open(tmp_path_factory.mktemp("kg-sample") / "ws")
    ensure_sample(ws)
    return build_graph(ws.read_events("sample-shop"), ws.read_items("sample-shop"))


def _assert_valid_path(kg, nodes: tuple[str, ...], relations: tuple[str, ...]) -> None:
    assert len(relations) == len(nodes) - 1
    for (a, b), kind in zip(itertools.pairwise(nodes), relations, strict=True):
        assert kg.graph.has_edge(a, b), (a, b)
        assert kg.graph.edges[a, b]["kind"] == kind


def test_affinities_sum_to_one(shop) -> None:
    for user in ("U00001", "U00017", shop.find_users()[0]):
        profile = user_profile(shop, user)
        per_level = profile.categories.groupby("level")["affinity"].sum()
        assert per_level.to_numpy() == pytest.approx([1.0] * len(per_level))
        assert list(per_level.index) == [1, 2, 3]
        assert profile.brands["affinity"].sum() == pytest.approx(1.0)
        by_cat = profile.brands.groupby("category")["share_in_category"].sum()
        assert by_cat.to_numpy() == pytest.approx([1.0] * len(by_cat))
        assert profile.price_bands["affinity"].sum() == pytest.approx(1.0)
        assert profile.preferred_price_band in ("low", "mid", "high")


def test_recent_and_strong_events_weigh_more() -> None:
    rows = [
        ("u", "i4", "view", 0),  # Cups, 60 days before the last event
        ("u", "i4", "view", 1),
        ("u", "i1", "view", 60 * 24 * 60),  # Knives, recent
    ]
    profile = user_profile(build_graph(events_frame(rows), CATALOG), "u")
    leaf = profile.categories[profile.categories["level"] == 3].set_index("label")["affinity"]
    assert leaf["Knives"] > leaf["Cups"]  # one recent view beats two old ones
    assert leaf["Knives"] == pytest.approx(1 / (1 + 2 * 0.25), rel=1e-3)


def test_funnel_rhythm_and_diversity(small) -> None:
    profile = user_profile(small, "u1")  # view, purchase, view, view of 3 items
    assert profile.stage_counts == {"view": 3, "cart": 0, "purchase": 1}
    steps = profile.funnel.set_index("step")
    assert steps.at["view → cart", "user_rate"] == 0
    assert steps.at["view → purchase", "user_rate"] == pytest.approx(1 / 3)
    assert steps.at["view → cart", "shop_rate"] == pytest.approx(2 / 13)  # shop: 13 views, 2 carts
    assert (
        profile.hours["events"].sum() == 4 and profile.hours.set_index("hour").at[10, "events"] == 4
    )
    assert profile.weekdays.set_index("weekday").at["Wed", "events"] == 4  # 2024-05-01
    assert profile.diversity.basis == "category" and profile.diversity.distinct == 2
    assert 0 < profile.diversity.normalized < 1


def test_a_dataset_without_catalog_still_gets_a_profile(ws: Workspace, tmp_path: Path) -> None:
    from seqrec_core.ingest.pipeline import ingest

    csv = tmp_path / "log.csv"
    frame = events_frame().drop(columns="price")
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.to_csv(csv, index=False)
    ingest(csv, ws, "bare")
    kg = build_graph(ws.read_events("bare"), ws.read_items("bare"))
    profile = user_profile(kg, "u5")
    assert profile.events == 4 and profile.items == 4
    assert profile.categories.empty and profile.brands.empty and profile.price_bands.empty
    assert profile.preferred_price_band is None and profile.interests == []
    assert set(profile.missing) >= {"title", "category", "brand", "price", "attributes"}
    assert profile.diversity.basis == "item" and profile.diversity.distinct == 4
    answer = profile.to_dict()
    assert answer["categories"] == [] and answer["missing_metadata"] == list(profile.missing)
    assert answer["funnel"]["stages"]["cart"] == 1


def test_interests_are_untouched_and_justified_by_a_valid_path(shop) -> None:
    for user in ("U00001", "U00017", "U00500", shop.find_users()[0]):
        _, touched = neighbourhood(shop, user)
        events = shop.user_events(user)
        seen_cats = {
            p for levels in events["item_id"].map(shop.items["category_levels"]) for p in levels
        }
        seen_brands = set(events["item_id"].map(shop.items["brand"]).dropna())
        interests = inferred_interests(shop, user, k=8)
        assert 1 <= len(interests) <= 8
        scores = [i.score for i in interests]
        assert scores == sorted(scores, reverse=True)
        for interest in interests:
            assert interest.node not in touched and interest.kind in INTEREST_KINDS
            assert interest.node.partition(":")[2] not in seen_cats | seen_brands
            path = interest.path
            assert path.nodes[0] == node_id("user", user) and path.nodes[-1] == interest.node
            assert len(set(path.nodes)) == len(path.nodes)
            _assert_valid_path(shop, path.nodes, path.relations)
            assert path.sentence.startswith("They ") and interest.label in path.sentence


def test_explain_paths_same_brand_and_category(small) -> None:
    # u1 bought the Chef Knife (Acme, Knives); the Paring Knife is Acme and a Knife too.
    paths = explain_paths(small, "u1", "i3", k=5)  # Bread Knife: Blade, Knives
    kinds = [p.kind for p in paths]
    assert "category" in kinds and "brand" not in kinds
    category = paths[kinds.index("category")]
    assert category.sentence == "Also in Knives, like the Chef Knife they bought."
    assert category.nodes == ("user:u1", "item:i1", "cat:Home > Kitchen > Knives", "item:i3")
    for path in paths:
        _assert_valid_path(small, path.nodes, path.relations)
    brand = explain_paths(small, "u3", "i3", k=5)  # u3 bought the Espresso Cup (Blade)
    assert brand[0].sentence == "Same brand (Blade) as the Espresso Cup they bought."


def test_explain_paths_history_cooc_department_and_errors(small) -> None:
    paths = explain_paths(small, "u1", "i2", k=3)
    assert paths[0].kind == "history" and paths[0].sentence == "They already viewed it (1 event)."
    cooc = explain_paths(small, "u2", "i1", k=6)
    assert any(p.kind == "co_occurs" and "(2 shoppers)" in p.sentence for p in cooc)
    department = explain_paths(small, "u3", "i1", k=6)  # a Cup bought, a Knife to explain
    dept = next(p for p in department if p.kind == "department")
    assert dept.sentence == "From the same department (Kitchen) as the Espresso Cup they bought."
    _assert_valid_path(small, dept.nodes, dept.relations)
    assert len(explain_paths(small, "u1", "i2", k=1)) == 1
    with pytest.raises(InputError, match="nobody"):
        explain_paths(small, "nobody", "i1")
    with pytest.raises(InputError, match="i404"):
        explain_paths(small, "u1", "i404")


def test_explain_paths_on_the_sample_shop_name_titles(shop) -> None:
    user = "U00001"
    nodes, touched = neighbourhood(shop, user)
    target = next(n for n in nodes if n.startswith("item:") and n not in touched)
    paths = explain_paths(shop, user, target.partition(":")[2], k=3)
    assert paths and all(p.score > 0 for p in paths)
    for path in paths:
        _assert_valid_path(shop, path.nodes, path.relations)
        assert shop.label(path.nodes[1]) in path.sentence  # the past item's title


def test_top_brand_in_a_category_is_the_hidden_preferred_brand(shop) -> None:
    """Brand loyalty is planted at 0.8 per browsing step (sample_data/README.md, rule 2)."""
    truth = pd.read_csv(SAMPLE_DIR / "user_truth.csv.gz").set_index("user_id")
    popular = {}  # baseline: the category's most active brand over all users
    brand_of = shop.events["item_id"].map(shop.items["brand"])
    top_of = shop.events["item_id"].map(shop.items["category_levels"]).str[0]
    counts = pd.DataFrame({"brand": brand_of, "top": top_of}).value_counts()
    for (brand, top), _ in counts.items():
        popular.setdefault(top, brand)
    hits = baseline = total = 0
    for user in truth.sample(400, random_state=0).index:  # 400 of 2,100 users: a quick test
        brands = brand_affinities(shop.user_events(user), shop.items)
        for category in TOP_LEVELS:
            part = brands[brands["category"] == category]
            if part["events"].sum() < 3:
                continue
            best = part.sort_values(["share_in_category", "brand"], ascending=[False, True]).iloc[0]
            total += 1
            hits += best["brand"] == truth.at[user, category]
            baseline += popular[category] == truth.at[user, category]
    rate, base = hits / total, baseline / total
    assert total > 800
    # Measured: 84.2% of 1,116 (user, category) pairs here (82.5% over all 2,100 users);
    # the most popular brand of the category is the preferred one for 23.8%.
    assert rate >= 0.78, f"top brand = preferred brand for only {rate:.1%}"
    assert rate - base >= 0.4, f"baseline (most popular brand) {base:.1%}"


def test_ego_network_is_bounded_reproducible_and_without_other_users(shop) -> None:
    user = shop.find_users()[0]
    ego = ego_network(shop, user, max_nodes=40)
    again = ego_network(shop, user, max_nodes=40)
    assert len(ego.nodes) == 40 and ego.nodes.iloc[0]["node"] == node_id("user", user)
    pd.testing.assert_frame_equal(ego.nodes, again.nodes)
    users = [n for n in ego.nodes["node"] if node_kind(n) == "user"]
    assert users == [node_id("user", user)]
    assert set(ego.nodes["role"]) >= {"user", "history", "category", "brand"}
    chosen = set(ego.nodes["node"])
    for a, b in zip(ego.edges["source"], ego.edges["target"], strict=True):
        assert a in chosen and b in chosen and shop.graph.has_edge(a, b)
    history = ego.nodes[ego.nodes["role"] == "history"].iloc[0]
    assert history["label"] in history["hover"] and "events" in history["hover"]
    assert len(ego_network(shop, user, max_nodes=150).nodes) == 150
