"""What a shopper's profile found, in one sentence: the Profile page's opening line.

"U00017 shops mostly Outdoor (52% of their interest), above all Apexfit; mid price band;
21 views, 3 purchases; searched 6 times, last for “tents”." Parts the
data cannot tell (no catalog, no event types, no queries) are left out, never guessed.
Plain text: the page escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from seqrec_core.kg.shopper_profile import UserProfile
from seqrec_core.report.numbers import count, percent
from seqrec_core.search.logged import LoggedSearch


def profile_sentence(profile: UserProfile, searches: Sequence[LoggedSearch] = ()) -> str:
    """The profile's headline: main category and brand, price band, funnel, searches."""
    parts = [_taste(profile)]
    if profile.preferred_price_band:
        parts.append(f"{profile.preferred_price_band} price band")
    parts.append(_funnel(profile))
    if searches:
        times = "once" if len(searches) == 1 else f"{count(len(searches))} times"
        parts.append(f"searched {times}, last for “{searches[-1].query}”")
    return "; ".join(p for p in parts if p) + "."


def _taste(profile: UserProfile) -> str:
    head = f"{profile.user} has {count(profile.events)} events on {count(profile.items)} products"
    top = profile.categories[profile.categories["level"] == 1]
    if top.empty:
        return head
    category = top.iloc[0]
    taste = (
        f"{profile.user} shops mostly {category['label']} "
        f"({percent(float(category['affinity']))} of their interest)"
    )
    brands = profile.brands[profile.brands["category"] == category["label"]]
    if not brands.empty:
        taste += f", above all {brands.iloc[0]['brand']}"
    return taste


def _funnel(profile: UserProfile) -> str:
    viewed = profile.stage_counts.get("view", 0)
    bought = profile.stage_counts.get("purchase", 0)
    if not viewed and not bought:
        return ""  # no event types in the log
    return f"{_plural(viewed, 'view')}, {_plural(bought, 'purchase')}"


def _plural(n: int, word: str) -> str:
    return f"{count(n)} {word}{'' if n == 1 else 's'}"
