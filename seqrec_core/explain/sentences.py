"""Explanations in words: the sentences the Explain page and the review report share."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from seqrec_core.explain.explanation import Explanation


def counterfactual_sentence(
    expl: Explanation,
    names: Mapping[str, str],
    emphasis: Callable[[str], str] = lambda text: text,
) -> str:
    """ "Without X and Y, the first recommendation would be Z." for an explanation.

    Args:
        expl: an explanation with (or without) a counterfactual.
        names: item id → display name.
        emphasis: wraps the removed events and the new item (markdown bold, HTML <b>, …);
            it receives raw text and must escape it for its format.
    """
    found = expl.counterfactual
    if found is None:
        return "Removing every event keeps the same first recommendation."
    *removed, new_top = expl.counterfactual_items
    events = [
        f"{names.get(item, item)} ({expl.history.event_types[p]}, event {p + 1})"
        for p, item in zip(found.removed, removed, strict=True)
    ]
    listed = events[0] if len(events) == 1 else ", ".join(events[:-1]) + " and " + events[-1]
    proof = "no smaller set does" if found.proven_minimal else "the smallest set found"
    return (
        f"Without {emphasis(listed)}, the first recommendation would be "
        f"{emphasis(names.get(new_top, new_top))} ({proof}; re-scored to verify)."
    )
