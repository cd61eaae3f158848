"""The Recommend page's plain sentences: what a shopper is shown, and what an edit changed.

Pure text from a `RecommendationList` and a rank diff; the page escapes it for markdown.
A category is named by its top level ("Electronics" for "Electronics > Gaming"), the level a
merchandiser plans by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from seqrec_core.recommend.recommender import Recommendation, RecommendationList
from seqrec_core.recommend.whatif import DROPPED, NEW, RankChange
from seqrec_core.schema import CATEGORY_SEPARATOR


def title(item: Recommendation) -> str:
    """The item's title, or its id when the catalog has none."""
    return str(item.fields.get("title") or item.item_id)


def _top_level(item: Recommendation) -> str | None:
    path = item.fields.get("category")
    return str(path).split(CATEGORY_SEPARATOR)[0].strip() or None if path else None


def category_mix(items: Sequence[Recommendation]) -> str:
    """E.g. "7 of the 10 are in Electronics and 2 in Books"; "" without categories."""
    counts = Counter(c for c in map(_top_level, items) if c).most_common(2)
    if not counts:
        return ""
    (first, n), *rest = counts
    if n == len(items):
        return f"all {len(items)} are in {first}"
    text = f"{n} of the {len(items)} are in {first}"
    return f"{text} and {rest[0][1]} in {rest[0][0]}" if rest else text


def list_sentence(shopper: str, result: RecommendationList) -> str:
    """What `shopper` is shown, first item and its reason, then the category mix.

    E.g. "U00034 would be shown Quantix A900 Game Console first, because they viewed
    Kestrel X250; 7 of the 10 are in Electronics and 2 in Books."
    """
    if not result.items:
        return f"{shopper} would be shown nothing: the filters leave no product to recommend."
    first = result.items[0]
    if result.fallback:
        opening = f"{shopper} has too little history for the model, so they would be shown "
        opening += f"popular products, {title(first)} first"
    else:
        opening = f"{shopper} would be shown {title(first)} first"
        if first.reason:
            opening += f", {first.reason}"
    mix = category_mix(result.items)
    return f"{opening}; {mix}." if mix else f"{opening}."


def edit_sentence(changes: Sequence[RankChange], after: RecommendationList) -> str:
    """What an edit of the history changed, e.g. "The edit brings 3 new products into the
    top 10 (2 drop out); Trail Runner 2 now comes first.\""""
    entered = sum(c.status == NEW for c in changes)
    left = sum(c.status == DROPPED for c in changes)
    moved = sum(c.moved_by not in (None, 0) for c in changes)
    size = len(after.items)
    if not entered and not moved:
        return f"The edit does not change the top {size}: same products, same order."
    if entered:
        text = f"The edit brings {entered} new product{'s' * (entered != 1)} into the top {size}"
        text += f" ({left} drop{'s' * (left == 1)} out)" if left else ""
    else:
        text = f"The edit keeps the same {size} products but reorders {moved} of them"
    first = after.items[0]
    was_first = any(c.item_id == first.item_id and c.rank_before == 1 for c in changes)
    return f"{text}; {title(first)} {'still' if was_first else 'now'} comes first."
