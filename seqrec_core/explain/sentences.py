"""Explanations in words: the sentences the Explain page and the review report share.

Each sentence is for a merchandiser: item names (never ids where the catalog has a
title), event words ("viewed", "bought"), ranks and percentages written by
`report.numbers`; model internals stay out of them. `emphasis` wraps item names and the
like for the output format (markdown bold, HTML <b>); it receives raw text and must
escape it for its format.

- `verdict_sentence`: why the target is recommended, from the main reasons.
- `counterfactual_sentence`: the smallest change that changes the first recommendation.
- `group_sentence`: the category or brand that matters most.
- `trust_sentence`: which explanations pass the deletion check.
- `audit_sentence`: how often each explanation passes it over an audit's shoppers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from seqrec_core.explain.explanation import Explanation
from seqrec_core.explain.options import METHOD_NAMES
from seqrec_core.report.numbers import count, percent

Emphasis = Callable[[str], str]

EVENT_PHRASES = {
    "view": "viewed {item}",
    "click": "clicked on {item}",
    "fav": "saved {item}",
    "cart": "added {item} to the cart",
    "remove_from_cart": "removed {item} from the cart",
    "purchase": "bought {item}",
}
_THOSE = {1: "that event", 2: "those two events", 3: "those three events"}


def _plain(text: str) -> str:
    return text


def _listed(parts: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def event_phrase(event_type: str, item: str) -> str:
    """What a shopper did, in words: ("cart", "Tent") → "added Tent to the cart"."""
    template = EVENT_PHRASES.get(event_type, f"had a “{event_type}” event on {{item}}")
    return template.format(item=item)


def _did(
    expl: Explanation, positions: Sequence[int], names: Mapping[str, str], em: Emphasis
) -> str:
    """ "viewed A and bought B" (or "viewed A and bought it") for the events at
    `positions`, in the order the shopper did them, one phrase per item."""
    h = expl.history
    by_item: dict[str, list[str]] = {}
    for p in sorted(positions):
        kinds = by_item.setdefault(h.item_ids[p], [])
        if h.event_types[p] not in kinds:
            kinds.append(h.event_types[p])
    phrases = []
    for item, kinds in by_item.items():
        first = event_phrase(kinds[0], em(names.get(item, item)))
        phrases.append(_listed([first, *(event_phrase(k, "it") for k in kinds[1:])]))
    if len(phrases) > 1 and any(" and " in phrase for phrase in phrases):
        return ", ".join(phrases[:-1]) + ", and " + phrases[-1]  # keep each item's "and"
    return _listed(phrases)


def verdict_sentence(
    expl: Explanation, names: Mapping[str, str], emphasis: Emphasis = _plain
) -> str:
    """ "X is recommended first, mainly because this shopper viewed A and bought B;
    without those two events it would drop to rank 14." (the page's opening line).

    Args:
        expl: an explanation (its `reasons` and `target_rank`).
        names: item id → display name.
        emphasis: wraps item names for the output format.
    """
    target = emphasis(names.get(expl.target_item, expl.target_item))
    rank = expl.target_rank
    standing = (
        f"{target} is recommended first" if rank == 1 else f"{target} is at rank {count(rank)}"
    )
    reasons = expl.reasons
    if reasons is None:
        return (
            f"{standing} on this shopper's history as a whole: no single past event raises "
            "its score."
        )
    strength = "mainly" if reasons.main else "partly"
    them = _THOSE.get(len(reasons.positions), "those events")
    without = reasons.rank_without
    if without > rank:
        effect = f"without {them} it would drop to rank {count(without)}."
    elif without == rank:
        effect = f"even without {them} it would stay at rank {count(rank)}: the rest of the history supports it too."
    else:
        effect = f"yet without {them} it would rise to rank {count(without)}: together they hold it back."
    did = _did(expl, reasons.positions, names, emphasis)
    return f"{standing}, {strength} because this shopper {did}; {effect}"


def counterfactual_sentence(
    expl: Explanation,
    names: Mapping[str, str],
    emphasis: Emphasis = _plain,
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
    proof = "no smaller set does" if found.proven_minimal else "the smallest set found"
    return (
        f"Without {emphasis(_listed(events))}, the first recommendation would be "
        f"{emphasis(names.get(new_top, new_top))} ({proof}; re-scored to verify)."
    )


def group_sentence(groups: pd.DataFrame, target: str, emphasis: Emphasis = _plain) -> str:
    """The category or brand whose events lift `target` most, and its rank without them.

    Args:
        groups: `kind`, `group`, `events`, `attribution`, `rank` (`Explanation.groups`).
        target: the target's display name.
        emphasis: wraps names for the output format.
    """
    if groups.empty:
        return "The catalog has no categories or brands for these events."
    best = groups.sort_values("attribution", ascending=False, kind="stable").iloc[0]
    if best["attribution"] <= 0:
        return (
            f"No category or brand of this shopper's events raises the score of {emphasis(target)}."
        )
    events = "event" if int(best["events"]) == 1 else "events"
    return (
        f"The {best['kind']} {emphasis(str(best['group']))} matters most: without its "
        f"{count(best['events'])} {events} {emphasis(target)} would be at rank {count(best['rank'])}."
    )


def _names(methods: Sequence[str]) -> str:
    return _listed([METHOD_NAMES.get(m, m) for m in methods])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def trust_sentence(faithful: Mapping[str, bool]) -> str:
    """Which explanations pass the deletion check, and what that means for reading them.

    Args:
        faithful: method → whether removing its top events first lowers the score faster
            than removing random events (`DeletionCurves.faithful`).
    """
    passed = [m for m, ok in faithful.items() if ok]
    failed = [m for m, ok in faithful.items() if not ok]
    check = "removing the events it ranks first lowers the score faster than removing random events"
    if not failed:
        who = "The explanation passes" if len(passed) == 1 else "Every explanation passes"
        return f"{who} the check: {check}."
    if not passed:
        return f"No explanation passes the check ({check}): read the reasons with care."
    verb = "passes" if len(passed) == 1 else "pass"
    fails = "does not" if len(failed) == 1 else "do not"
    return (
        f"{_capital(_names(passed))} {verb} the check ({check}); {_names(failed)} {fails}: "
        f"trust {'it' if len(passed) == 1 else 'them'} first."
    )


def _possessive(name: str) -> str:
    """ "occlusion's", "Integrated Gradients'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def audit_sentence(summary: Mapping[str, Any]) -> str:
    """ "Over 30 shoppers, occlusion's reasons hold up for 93%, …" from
    `AuditResult.summary()`."""
    users = int(summary.get("users", 0))
    if not users:
        return "No shopper was audited."
    shares = [
        (METHOD_NAMES.get(m, m), percent(stats["faithful_share"]))
        for m, stats in summary["methods"].items()
        if "faithful_share" in stats
    ]
    if not shares:
        return f"{count(users)} shoppers audited; no method could be checked."
    (name, share), *others = shares
    parts = [f"{_possessive(name)} reasons hold up for {share}"]
    parts += [f"{_possessive(n)} for {s}" for n, s in others]
    shoppers = "shopper" if users == 1 else "shoppers"
    return (
        f"Over {count(users)} {shoppers}, {_listed(parts)} of them: removing the events a "
        "method ranks first lowers the score faster than removing random events."
    )
