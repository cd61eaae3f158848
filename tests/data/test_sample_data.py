"""The bundled sample shop (sample_data/): present, small, consistent, reproducible, and
its planted rules as strong as sample_data/README.md documents.

The rule measurements come from sample_data/check_rules.py itself (imported by path:
sample_data is a folder of scripts, not a package), so the README's check and these
tests can never disagree.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
FILES = ("events.csv.gz", "items.csv", "rules.json", "user_truth.csv.gz")
MAX_BYTES = {
    "events.csv.gz": 2_000_000,
    "items.csv": 300_000,
    "rules.json": 100_000,
    "user_truth.csv.gz": 200_000,
}
EVENT_COLUMNS = ["user_id", "item_id", "timestamp", "event_type", "session_id", "price", "query"]
ITEM_COLUMNS = ["item_id", "title", "category", "brand", "price"]


@pytest.fixture(scope="module")
def check_rules() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_rules", SAMPLE / "check_rules.py")
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the module executes.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shop(check_rules: ModuleType):
    return check_rules.load_shop(SAMPLE)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("regenerated")
    subprocess.run([sys.executable, str(SAMPLE / "generate.py"), "--out", str(out)], check=True)
    return out


def test_committed_files_exist_and_stay_small() -> None:
    for name in FILES:
        size = (SAMPLE / name).stat().st_size
        assert 0 < size <= MAX_BYTES[name], f"{name}: {size} bytes"
    assert sum((SAMPLE / name).stat().st_size for name in FILES) < 3_000_000


def test_sizes_span_and_event_types(shop) -> None:
    events = shop.events
    assert events["user_id"].nunique() >= 2000
    assert len(shop.items) >= 1000
    assert len(events) >= 50_000
    counts = events["event_type"].value_counts()
    assert set(counts.index) == {"view", "cart", "purchase"}
    assert counts["view"] > counts["cart"] > counts["purchase"]  # a funnel
    assert events["time"].max() - events["time"].min() >= pd.Timedelta(days=120)
    sessions = events.groupby("user_id")["session_id"].nunique()
    assert sessions.median() >= 3


def test_file_formats() -> None:
    events = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str)
    items = pd.read_csv(SAMPLE / "items.csv", dtype=str)
    assert list(events.columns) == EVENT_COLUMNS
    assert list(items.columns) == ITEM_COLUMNS
    assert events["user_id"].str.fullmatch(r"U\d{5}").all()
    assert items["item_id"].str.fullmatch(r"P\d{4}").all()
    assert events["timestamp"].str.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert events["price"].str.fullmatch(r"\d+\.\d\d").all()
    assert items["price"].str.fullmatch(r"\d+\.\d\d").all()
    # Sorted by user, then time (ISO strings of one format sort like the times they name).
    order = events.sort_values(["user_id", "timestamp"], kind="stable").index
    assert (order == events.index).all()


def test_every_event_item_is_in_the_catalog_at_its_price(shop) -> None:
    items = shop.items.set_index("item_id")
    assert items.index.is_unique
    assert shop.events["item_id"].isin(items.index).all()
    catalog_price = items.loc[shop.events["item_id"], "price"].to_numpy()
    assert (shop.events["price"].to_numpy() == catalog_price).all()


def test_catalog_has_three_level_categories_and_tied_brands(shop) -> None:
    items = shop.items
    levels = items["category"].str.split(" > ")
    assert (levels.str.len() == 3).all()
    assert all(part.strip() == part and part for path in levels for part in path)
    assert 6 <= items["top"].nunique() <= 8
    assert 40 <= items["brand"].nunique() <= 80
    assert (items.groupby("brand")["top"].nunique() == 1).all()
    assert items["title"].is_unique
    # Prices follow the category: the dearest camera costs more than the dearest card.
    dearest = items.assign(price=items["price"].astype(float)).groupby("category")["price"]
    assert dearest.max()["Electronics > Cameras & Photo > Mirrorless Cameras"] > 400
    assert dearest.max()["Electronics > Cameras & Photo > Memory Cards"] < 100


def test_sessions_split_exactly_at_30_minute_gaps(shop) -> None:
    events = shop.events
    same_user = events["user_id"].eq(events["user_id"].shift())
    gap = events["time"].diff()
    new_session = events["session_id"].ne(events["session_id"].shift())
    long_gap = gap > pd.Timedelta(minutes=30)
    assert (new_session[same_user] == long_gap[same_user]).all()
    assert (gap[same_user] > pd.Timedelta(0)).all()  # no two events of a user at once
    assert (events.groupby("session_id")["user_id"].nunique() == 1).all()


def test_item_popularity_has_a_long_tail(shop) -> None:
    counts = shop.events["item_id"].value_counts()
    top_tenth = counts.iloc[: len(counts) // 10].sum() / counts.sum()
    assert top_tenth > 0.3
    assert counts.iloc[0] > 10 * counts.median()


def test_rules_json_names_the_planted_chains(shop) -> None:
    rules = shop.rules
    for section in ("seed", "period", "counts", "brand_loyalty", "category_drift", "params"):
        assert section in rules, section
    chains = rules["complementary_chains"]["chains"]
    assert 15 <= len(chains) <= 25
    chain_items = [item for chain in chains for item in chain["items"]]
    assert all(len(chain["items"]) == 3 for chain in chains)
    assert len(set(chain_items)) == len(chain_items)
    assert set(chain_items) <= set(shop.items["item_id"])
    assert rules["counts"]["events"] == len(shop.events)
    assert rules["brand_loyalty"]["p_preferred_brand"] == pytest.approx(0.8)
    assert rules["complementary_chains"]["p_follow"] == pytest.approx(0.8)


def test_example_users_show_their_chain(shop) -> None:
    """The users rules.json lists per link really have the follow-up right after the trigger."""
    by_user = {user: group["item_id"].tolist() for user, group in shop.events.groupby("user_id")}
    for chain in shop.rules["complementary_chains"]["chains"]:
        for link, users in enumerate(chain["example_users"]):
            assert users, f"{chain['name']} link {link} fired for nobody"
            trigger, follow_up = chain["items"][link], chain["items"][link + 1]
            for user in users:
                sequence = by_user[user]
                start = sequence.index(trigger)
                assert follow_up in sequence[start + 1 :], (chain["name"], user)


def test_every_rule_check_passes(check_rules: ModuleType, shop) -> None:
    results = check_rules.run_checks(shop)
    assert {m.rule for m in results} == {"chains", "brand loyalty", "category drift", "searches"}
    failed = [m for m in results if not m.passed]
    assert not failed, failed


def test_chain_rule_strength(check_rules: ModuleType, shop) -> None:
    links = check_rules.chain_links(shop)
    assert len(links) == 2 * len(shop.rules["complementary_chains"]["chains"])
    p_follow = links["followed"].sum() / links["triggers"].sum()
    baseline = links["followed_without"].sum() / links["positions_without"].sum()
    assert 0.7 <= p_follow <= 0.9  # planted at 0.8
    assert baseline < 0.01
    assert (links["p_follow"] >= 0.5).all()
    assert (links.loc[links["link"] == 0, "triggers"] >= check_rules.MIN_TRIGGERS).all()


def test_brand_and_drift_strength(check_rules: ModuleType, shop) -> None:
    purchases, _ = check_rules.check_brand_loyalty(shop)
    assert purchases.measured >= 0.5
    assert purchases.measured >= 3 * purchases.baseline
    late, early, thirds = check_rules.check_drift(shop)
    assert late.measured - late.baseline >= 0.3
    assert early.measured - early.baseline >= 0.3
    assert thirds.measured > thirds.baseline


def test_checks_notice_a_broken_rule(check_rules: ModuleType, shop) -> None:
    """Known answers the other way round: destroy each rule and its check must fail."""
    follow_ups = {
        item
        for chain in shop.rules["complementary_chains"]["chains"]
        for item in chain["items"][1:]
    }
    no_chains = dataclasses.replace(
        shop, events=shop.events[~shop.events["item_id"].isin(follow_ups)]
    )
    assert not all(m.passed for m in check_rules.check_chains(no_chains))

    rng = np.random.default_rng(7)
    events = shop.events.copy()
    events["brand"] = events.groupby("top")["brand"].transform(lambda s: rng.permutation(s.values))
    no_loyalty = dataclasses.replace(shop, events=events)
    assert not any(m.passed for m in check_rules.check_brand_loyalty(no_loyalty))

    events = shop.events.copy()
    events["top"] = events.groupby("user_id")["top"].transform(lambda s: rng.permutation(s.values))
    no_drift = dataclasses.replace(shop, events=events)
    assert not any(m.passed for m in check_rules.check_drift(no_drift))

    events = shop.events.copy()
    events["query"] = rng.permutation(events["query"].to_numpy())
    no_search = dataclasses.replace(shop, events=events)
    assert not check_rules.check_searches(no_search)[0].passed


def test_planted_searches(check_rules: ModuleType, shop) -> None:
    """A third of the funnels start from a search; a funnel's events share its query."""
    events = shop.events.assign(query=shop.events["query"].fillna(""))
    searched = events["query"] != ""
    assert 0.25 <= searched.mean() <= 0.35  # planted at 0.3 of the funnels
    assert set(events.loc[searched, "event_type"]) == {"view", "cart", "purchase"}
    # A cart or purchase carries the query of the view it follows in the same session.
    nth_view = events["event_type"].eq("view").groupby([events["session_id"], events["item_id"]])
    funnel = [events["session_id"], events["item_id"], nth_view.cumsum()]
    assert (events.groupby(funnel)["query"].nunique() == 1).all()
    assert events["query"].str.fullmatch(r"[a-z0-9&' ]*").all()  # typed in lower case
    named, generic = check_rules.check_searches(shop)
    assert named.measured >= 0.85 and named.measured < 1  # the typos
    assert generic.measured >= 10  # a query without a brand fits many items: room to personalise
    planted = shop.rules["searches"]
    assert planted["events"] == int(searched.sum()) and planted["column"] == "query"


def test_check_rules_command_exits_zero(check_rules: ModuleType, capsys) -> None:
    assert check_rules.main(["--dir", str(SAMPLE)]) == 0
    assert "11/11 rule checks passed" in capsys.readouterr().out


def test_regenerating_gives_the_committed_files(regenerated: Path) -> None:
    for name in ("items.csv", "rules.json"):
        assert (regenerated / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    for name in ("events.csv.gz", "user_truth.csv.gz"):
        fresh, committed = (regenerated / name).read_bytes(), (SAMPLE / name).read_bytes()
        assert gzip.decompress(fresh) == gzip.decompress(committed), name
        # A reproducible gzip header: no file name (FLG=0) and mtime 0.
        assert fresh[3] == 0 and fresh[4:8] == b"\0\0\0\0", name


def test_regenerated_gzip_bytes_are_identical(regenerated: Path) -> None:
    for name in ("events.csv.gz", "user_truth.csv.gz"):
        fresh, committed = (regenerated / name).read_bytes(), (SAMPLE / name).read_bytes()
        if fresh != committed:
            # Same content (checked above), other deflate output: another zlib build.
            pytest.skip(f"{name}: this zlib compresses the same bytes differently")
        assert fresh == committed
