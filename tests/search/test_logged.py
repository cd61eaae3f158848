"""A shopper's logged searches: runs of one session's events with one query."""

from __future__ import annotations

import pandas as pd
import pytest

from seqrec_core.data.shopper_events import read_shopper_events
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.search.logged import logged_searches
from seqrec_core.store import Workspace


def _events(rows: list[tuple]) -> pd.DataFrame:
    columns = ["item_id", "timestamp", "event_type", "session_id", "query"]
    frame = pd.DataFrame(rows, columns=columns).assign(user_id="U1")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame


def test_a_search_is_a_run_of_one_query_in_one_session() -> None:
    events = _events(
        [
            ("P3", "2026-01-01 10:07", "cart", "S1", "tents"),  # file order is not time order
            ("P1", "2026-01-01 10:00", "view", "S1", None),
            ("P2", "2026-01-01 10:05", "view", "S1", "tents"),
            ("P3", "2026-01-01 10:06", "view", "S1", "tents"),
            ("P3", "2026-01-01 10:08", "purchase", "S1", "tents"),
            ("P4", "2026-01-01 10:09", "view", "S1", "stove"),
            ("P5", "2026-01-01 10:10", "fav", "S1", "stove"),
            ("P6", "2026-01-02 09:00", "view", "S2", "stove"),  # same words, next session
            ("P7", "2026-01-02 09:01", "view", "S2", "  "),
        ]
    )
    searches = logged_searches(events)
    assert [s.query for s in searches] == ["tents", "stove", "stove"]
    tents, stove, again = searches
    assert tents.viewed == ("P2", "P3") and tents.carted == ("P3",) and tents.bought == ("P3",)
    assert tents.searched_at == pd.Timestamp("2026-01-01 10:05", tz="UTC")
    assert stove.viewed == ("P4",) and stove.other == ("P5",) and stove.bought == ()
    assert again.viewed == ("P6",)
    assert again.to_dict() == {
        "query": "stove",
        "searched_at": "2026-01-02T09:00:00+00:00",
        "viewed": ["P6"],
        "carted": [],
        "bought": [],
        "other": [],
    }


def test_logs_without_queries_have_no_searches() -> None:
    events = _events([("P1", "2026-01-01", "view", "S1", None)])
    assert logged_searches(events.drop(columns="query")) == []
    assert logged_searches(events) == []
    assert logged_searches(events.iloc[:0]) == []


@pytest.mark.slow
def test_the_sample_shop_logs_its_planted_searches(ws: Workspace) -> None:
    info = ensure_sample(ws)
    events = read_shopper_events(info.events_path, "U00001")
    searches = logged_searches(events)
    searched = events["query"].fillna("").str.strip() != ""
    assert searches and sum(len(s.viewed) for s in searches) == int(
        (searched & events["event_type"].eq("view")).sum()
    )
    # Every item bought from a search was viewed from it first.
    assert all(set(s.bought) <= set(s.viewed) for s in searches)
