"""Why a recommended item fits the shopper, via the knowledge graph: one sentence per item.

The model's own reason ("because they viewed X") comes with each `Recommendation`; this is
the second, model-free one the Recommend page and the review report show beside it: the
strongest path from the shopper to the item (`kg.paths.explain_paths`), in words. Torch-
and Streamlit-free (the recommendation list is only read through its attributes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seqrec_core.errors import InputError
from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.kg.paths import explain_paths

if TYPE_CHECKING:  # recommender imports torch; only its types are needed here
    from seqrec_core.recommend.recommender import RecommendationList


def graph_connections(kg: KnowledgeGraph, listed: RecommendationList) -> list[str | None]:
    """Per recommended item, the strongest knowledge-graph path from the shopper to it.

    A cold-start list gets no connections: its items were picked by popularity, not for
    this shopper, so a personal "why" beside them would mislead.

    Args:
        kg: the knowledge graph of the dataset the run was trained on.
        listed: what the shopper is shown (`RunRecommender.recommend`).

    Returns:
        One entry per item of `listed`, in order: the path's sentence ("Also in Hiking,
        like the Thing 16 they bought."), or None for a list without a shopper, a
        cold-start list, a shopper or item the graph does not know, or nothing linking them.
    """
    if listed.user is None or listed.fallback:
        return [None] * len(listed.items)
    sentences: list[str | None] = []
    for item in listed.items:
        try:
            paths = explain_paths(kg, listed.user, item.item_id, k=1)
        except InputError:  # the shopper or the item is not in the graph
            paths = []
        sentences.append(paths[0].sentence if paths else None)
    return sentences
