"""The Profile page's first sentence: what the profile found, nothing the data cannot tell."""

from __future__ import annotations

import pandas as pd

from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.profile_sentence import profile_sentence
from seqrec_core.kg.shopper_profile import user_profile
from seqrec_core.search.logged import LoggedSearch
from tests.support.kg_shop import CATALOG, events_frame


def _search(query: str) -> LoggedSearch:
    return LoggedSearch(query, pd.Timestamp("2026-01-01", tz="UTC"), ("a",), (), (), ())


def test_the_sentence_names_category_brand_band_funnel_and_searches() -> None:
    kg = build_graph(events_frame(), CATALOG)
    user = kg.find_users()[0]
    profile = user_profile(kg, user)
    top = profile.categories[profile.categories["level"] == 1].iloc[0]
    brand = profile.brands[profile.brands["category"] == top["label"]].iloc[0]["brand"]
    views, buys = profile.stage_counts.get("view", 0), profile.stage_counts.get("purchase", 0)
    sentence = profile_sentence(profile, [_search("tents"), _search("camping stove")])
    assert sentence.startswith(f"{user} shops mostly {top['label']} (")
    assert f"above all {brand};" in sentence
    assert f"{profile.preferred_price_band} price band" in sentence
    assert f"{views} view" in sentence and f"{buys} purchase" in sentence
    assert sentence.endswith("searched 2 times, last for “camping stove”.")
    assert "searched" not in profile_sentence(profile)


def test_without_a_catalog_or_event_types_it_says_only_what_it_knows() -> None:
    events = events_frame().drop(columns=["event_type"], errors="ignore")
    kg = build_graph(events, None)
    user = kg.find_users()[0]
    profile = user_profile(kg, user)
    sentence = profile_sentence(profile, [_search("x")])
    assert sentence.startswith(f"{user} has {profile.events} events on {profile.items} products")
    assert "mostly" not in sentence and "price band" not in sentence
    assert sentence.endswith("searched once, last for “x”.")
