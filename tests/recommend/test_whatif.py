"""What-if edits and the rank diff on handmade lists."""

from __future__ import annotations

import pytest

from seqrec_core.errors import InputError
from seqrec_core.recommend.recommender import Event, Recommendation, RecommendationList
from seqrec_core.recommend.whatif import (
    DOWN,
    DROPPED,
    NEW,
    SAME,
    UP,
    add_event,
    move_event,
    parse_history,
    rank_diff,
    remove_event,
    set_event_type,
)

HISTORY = (Event("a", "view"), Event("b", "cart"), Event("c", "purchase"))


def _list(*pairs: tuple[str, float]) -> RecommendationList:
    items = tuple(Recommendation(r + 1, item, score, "") for r, (item, score) in enumerate(pairs))
    return RecommendationList("u", HISTORY, items)


def test_edits_are_pure_and_exact() -> None:
    assert add_event(HISTORY, Event("d", "view")) == (*HISTORY, Event("d", "view"))
    assert add_event(HISTORY, Event("d"), position=0)[0] == Event("d")
    assert remove_event(HISTORY, 1) == (HISTORY[0], HISTORY[2])
    assert move_event(HISTORY, 0, 2) == (HISTORY[1], HISTORY[2], HISTORY[0])
    assert move_event(HISTORY, 2, 0) == (HISTORY[2], HISTORY[0], HISTORY[1])
    assert set_event_type(HISTORY, 0, "purchase")[0] == Event("a", "purchase")
    assert HISTORY[0] == Event("a", "view")  # the original is untouched
    with pytest.raises(InputError, match="no event number 4"):
        remove_event(HISTORY, 3)


def test_parse_history() -> None:
    assert parse_history("P1, P2:cart ,P3:purchase,") == (
        Event("P1"),
        Event("P2", "cart"),
        Event("P3", "purchase"),
    )
    with pytest.raises(InputError, match="entry 2"):
        parse_history("P1,:cart")


def test_rank_diff_names_every_change() -> None:
    before = _list(("x", 3.0), ("y", 2.0), ("z", 1.5), ("w", 1.0))
    after = _list(("y", 2.5), ("x", 2.9), ("v", 1.9), ("w", 1.2))
    diff = rank_diff(before, after)
    by_item = {change.item_id: change for change in diff}
    assert [c.item_id for c in diff] == ["y", "x", "v", "w", "z"]
    assert by_item["y"].status == UP and by_item["y"].moved_by == 1
    assert by_item["x"].status == DOWN and by_item["x"].moved_by == -1
    assert by_item["v"].status == NEW and by_item["v"].rank_before is None
    assert by_item["w"].status == SAME and by_item["w"].score_after == 1.2
    assert by_item["z"].status == DROPPED and by_item["z"].rank_after is None
    assert by_item["z"].moved_by is None
    assert rank_diff(before, before) == [
        type(diff[0])(r.item_id, SAME, r.rank, r.rank, r.score, r.score) for r in before.items
    ]
