"""Funnel and rhythm, for the whole shop and for one shopper, on the same definitions.

A profile compares a user with the shop: the same `funnel_counts` / `funnel_rates` and
`rhythm` functions run over all events once (`shop_stats`, at graph build time; or
`stats_of_counts` from a DuckDB pass's counts, `kg.shop_scan`) and over one user's events
per profile. Rates are pooled ratios of event counts (carts per view,
purchases per cart, purchases per view), so they exceed 100% when a log holds purchases
whose cart event it lacks (store tills, a cut-off window): `rate_note` says so, and says
when a rate rests on a handful of events. Hours and weekdays are in UTC, as stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.report.numbers import count

# The funnel steps: (name, numerator stage, denominator stage).
FUNNEL_STEPS = (
    ("view → cart", "cart", "view"),
    ("cart → purchase", "purchase", "cart"),
    ("view → purchase", "purchase", "view"),
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A rate over fewer events than this is called out as resting on too few to trust.
FEW_EVENTS = 20


@dataclass(frozen=True)
class ShopStats:
    """The shop-wide baseline of the profile's funnel and rhythm."""

    events: int
    users: int
    stage_counts: dict[str, int]  # events per funnel stage (view, cart, purchase)
    rates: dict[str, float | None]  # funnel step → pooled rate (None: no denominator)
    hour_share: tuple[float, ...]  # 24 shares of events by hour of day (UTC)
    weekday_share: tuple[float, ...]  # 7 shares by weekday, Monday first


def funnel_counts(event_types: pd.Series) -> dict[str, int]:
    """Events per funnel stage (`schema.FUNNEL`), 0 where absent."""
    counts = event_types.value_counts()
    return {stage: int(counts.get(stage, 0)) for stage in schema.FUNNEL}


def funnel_rates(counts: dict[str, int]) -> dict[str, float | None]:
    """Each funnel step's rate (e.g. carts / views); None when the denominator is 0."""
    return {
        step: (counts[num] / counts[den] if counts[den] else None)
        for step, num, den in FUNNEL_STEPS
    }


def rate_note(step: str, counts: dict[str, int], who: str = "the shop") -> str | None:
    """Why funnel step `step`'s rate for `who` should not be read as a conversion rate:
    above 100% (more purchases than carts), or fewer than `FEW_EVENTS` in its base; None
    when the rate reads as it is (or there is none).

    Args:
        step: a `FUNNEL_STEPS` name, e.g. "cart → purchase".
        counts: events per funnel stage (`funnel_counts`).
        who: named in the note ("the shop", "this shopper").
    """
    num, den = next((n, d) for name, n, d in FUNNEL_STEPS if name == step)
    top, base = counts[num], counts[den]
    if base == 0:
        return None
    if top > base:
        return (
            f"{step} is above 100% for {who}: {count(top)} {num} events but only "
            f"{count(base)} {den} events, so many {num}s have no {den} event in this log "
            f"(e.g. bought in store, or {den}ed before the log starts); not a true conversion rate"
        )
    if base < FEW_EVENTS:
        return f"{step} for {who} rests on only {count(base)} {den} events"
    return None


def rhythm_counts(timestamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Events per hour of day (24) and per weekday (7, Monday first), as floats."""
    times = pd.to_datetime(timestamps)
    hours = np.bincount(times.dt.hour.to_numpy(dtype=np.int64), minlength=24).astype(float)
    days = np.bincount(times.dt.day_of_week.to_numpy(dtype=np.int64), minlength=7).astype(float)
    return hours, days


def rhythm(timestamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Shares of events per hour of day (24) and weekday (7, Monday first); zeros if none."""
    hours, days = rhythm_counts(timestamps)
    total = max(len(timestamps), 1)
    return hours / total, days / total


def shop_stats(events: pd.DataFrame) -> ShopStats:
    """The shop baseline from all events (`user_id`, `timestamp`, `event_type`)."""
    hours, days = rhythm_counts(events[schema.TIMESTAMP])
    return stats_of_counts(
        len(events),
        int(events[schema.USER_ID].nunique()),
        funnel_counts(events[schema.EVENT_TYPE]),
        hours,
        days,
    )


def stats_of_counts(
    events: int,
    users: int,
    stage_counts: dict[str, int],
    hour_counts: np.ndarray,
    weekday_counts: np.ndarray,
) -> ShopStats:
    """The shop baseline from counts (what a DuckDB pass over the whole log returns):
    events, distinct users, events per funnel stage, events per UTC hour (24) and per
    weekday (7, Monday first)."""
    total = max(events, 1)
    hours = np.asarray(hour_counts, dtype=float) / total
    days = np.asarray(weekday_counts, dtype=float) / total
    counts = {stage: int(stage_counts.get(stage, 0)) for stage in schema.FUNNEL}
    return ShopStats(
        events=events,
        users=users,
        stage_counts=counts,
        rates=funnel_rates(counts),
        hour_share=tuple(float(h) for h in hours),
        weekday_share=tuple(float(d) for d in days),
    )


def funnel_table(user_events: pd.DataFrame, shop: ShopStats) -> pd.DataFrame:
    """One user's funnel against the shop: columns `step, user_rate, shop_rate,
    user_events, user_base` (numerator and denominator counts of the user) and `note`
    (`rate_note` of the shop's and the user's rate, "; "-joined; None when both read fine).

    Empty when the dataset has none of the funnel's event types.
    """
    columns = ["step", "user_rate", "shop_rate", "user_events", "user_base", "note"]
    if not any(shop.stage_counts.values()):
        return pd.DataFrame(columns=columns)
    counts = funnel_counts(user_events[schema.EVENT_TYPE])
    rates = funnel_rates(counts)
    steps = [step for step, _, _ in FUNNEL_STEPS]
    notes = [
        [rate_note(step, shop.stage_counts), rate_note(step, counts, "this shopper")]
        for step in steps
    ]
    return pd.DataFrame(
        {
            "step": steps,
            "user_rate": [rates[step] for step in steps],
            "shop_rate": [shop.rates[step] for step in steps],
            "user_events": [counts[num] for _, num, _ in FUNNEL_STEPS],
            "user_base": [counts[den] for _, _, den in FUNNEL_STEPS],
            "note": pd.Series(["; ".join(filter(None, p)) or None for p in notes], dtype=object),
        },
        columns=columns,
    )


def rhythm_tables(user_events: pd.DataFrame, shop: ShopStats) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One user's activity by hour and by weekday against the shop.

    Returns:
        (hours, weekdays): columns `hour` (0–23) / `weekday` ('Mon'…), `events`, `share`,
        `shop_share`.
    """
    hours, days = rhythm(user_events[schema.TIMESTAMP])
    n = len(user_events)
    by_hour = pd.DataFrame(
        {
            "hour": np.arange(24),
            "events": np.rint(hours * n).astype(int),
            "share": hours,
            "shop_share": shop.hour_share,
        }
    )
    by_day = pd.DataFrame(
        {
            "weekday": list(WEEKDAYS),
            "events": np.rint(days * n).astype(int),
            "share": days,
            "shop_share": shop.weekday_share,
        }
    )
    return by_hour, by_day
