"""The Recommend page's sentences, on hand-built lists (every word checked)."""

from __future__ import annotations

from seqrec_core.recommend.recommender import Event, Recommendation, RecommendationList
from seqrec_core.recommend.sentences import category_mix, edit_sentence, list_sentence
from seqrec_core.recommend.whatif import rank_diff


def _list(*items: tuple[str, str | None], fallback: str | None = None) -> RecommendationList:
    """A list of (item id, category path); each item's title is `Title <id>`."""
    recs = tuple(
        Recommendation(
            rank=n,
            item_id=item,
            score=10.0 - n,
            reason="because they viewed Tent" if n == 1 else "",
            fields={"title": f"Title {item}", "category": category},
        )
        for n, (item, category) in enumerate(items, 1)
    )
    return RecommendationList("u1", (Event("P0", "view"),), recs, fallback)


def test_the_list_sentence_names_the_first_item_its_reason_and_the_mix() -> None:
    shown = _list(("A", "Outdoor > Camping"), ("B", "Outdoor > Hiking"), ("C", "Home"))
    assert list_sentence("u1", shown) == (
        "u1 would be shown Title A first, because they viewed Tent; "
        "2 of the 3 are in Outdoor and 1 in Home."
    )


def test_the_mix_says_all_when_one_category_holds_the_list_and_nothing_without_any() -> None:
    assert category_mix(_list(("A", "Home > Kitchen"), ("B", "Home")).items) == "all 2 are in Home"
    assert category_mix(_list(("A", None), ("B", "")).items) == ""
    assert list_sentence("u1", _list(("A", None))) == (
        "u1 would be shown Title A first, because they viewed Tent."
    )


def test_a_cold_start_and_an_empty_list_are_said_plainly() -> None:
    popular = _list(("A", "Home"), fallback="shop")
    assert list_sentence("new", popular) == (
        "new has too little history for the model, so they would be shown popular products, "
        "Title A first; all 1 are in Home."
    )
    empty = RecommendationList("u1", (), ())
    assert list_sentence("u1", empty) == (
        "u1 would be shown nothing: the filters leave no product to recommend."
    )


def test_the_edit_sentence_counts_what_entered_what_moved_and_who_is_first() -> None:
    before = _list(("A", None), ("B", None), ("C", None))
    same = _list(("A", None), ("B", None), ("C", None))
    assert edit_sentence(rank_diff(before, same), same) == (
        "The edit does not change the top 3: same products, same order."
    )
    swapped = _list(("B", None), ("A", None), ("C", None))
    assert edit_sentence(rank_diff(before, swapped), swapped) == (
        "The edit keeps the same 3 products but reorders 2 of them; Title B now comes first."
    )
    entered = _list(("A", None), ("D", None), ("E", None))
    assert edit_sentence(rank_diff(before, entered), entered) == (
        "The edit brings 2 new products into the top 3 (2 drop out); Title A still comes first."
    )
    one = _list(("D", None), ("A", None), ("B", None))
    assert edit_sentence(rank_diff(before, one), one) == (
        "The edit brings 1 new product into the top 3 (1 drops out); Title D now comes first."
    )
