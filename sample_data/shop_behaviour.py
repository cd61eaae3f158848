"""Simulate the sample shop's shoppers: sessions of view → cart → purchase funnels.

Three rules are planted on purpose (see README.md for the exact parameters):
complementary chains (a cart or purchase of a chain item is followed within the next
1–3 events by the chain's next item), brand loyalty (one preferred brand per top-level
category) and category drift (each shopper's main interest changes half-way).
Everything else (which category, brand or item) is drawn by popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from shop_catalog import Catalog
from shop_spec import TAXONOMY

EVENT_TYPES = ("view", "cart", "purchase")
VIEW, CART, PURCHASE = 0, 1, 2
# Share of sessions starting in each hour of the day (UTC): quiet nights, busy evenings.
HOURLY = np.array([1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 7, 6, 5, 5, 6, 7, 9, 10, 10, 8, 5, 3])


@dataclass(frozen=True)
class ShopParams:
    """Every knob of the simulation; written to rules.json as the ground truth."""

    n_users: int = 2100
    start: str = "2026-01-05"  # first day of the log
    end: str = "2026-06-28"  # last day of the log, inclusive
    zipf_exponent: float = 1.0  # background popularity ∝ (rank + offset)^-exponent
    zipf_offset: float = 10.0  # Zipf–Mandelbrot: a flatter head, the same long tail
    mean_extra_sessions: float = 4.0  # sessions per user = 2 + Poisson(Gamma(2, mean / 2))
    mean_extra_steps: float = 2.0  # browsing steps per session = 1 + Poisson(mean)
    session_gap_minutes: int = 30  # a new session starts after a longer silence
    max_event_gap_seconds: int = 1500  # within a session, never near the session gap
    p_cart: float = 0.2  # background funnel: view → cart
    p_purchase_given_cart: float = 0.45  # background funnel: cart → purchase
    p_revisit: float = 0.15  # a background pick may be an item the user has seen
    p_stay_in_session_category: float = 0.85  # a session keeps to one top-level category
    p_preferred_brand: float = 0.8  # brand loyalty: background step on the preferred brand
    p_main_interest: float = 0.6  # drift: weight of the current main interest
    p_other_phase_interest: float = 0.08  # drift: the early one after / late one before
    drift_window: tuple[float, float] = (0.35, 0.65)  # switch point, share of active span
    p_mission: float = 0.15  # a session sets out to buy a chain trigger
    p_mission_cart: float = 0.85
    p_mission_purchase_given_cart: float = 0.7
    p_follow: float = 0.8  # chain: P(next chain item follows | first cart/purchase)
    follow_window: int = 3  # ... within this many following events
    p_follow_cart: float = 0.6  # funnel of the follow-up item
    p_follow_purchase_given_cart: float = 0.6


@dataclass(frozen=True)
class Simulation:
    """The simulated log and the hidden truth behind it."""

    events: pd.DataFrame  # user_id, item_id, timestamp, event_type, session_id, price
    users: pd.DataFrame  # user_id, early/late category, drift_at, preferred brand per top
    chain_examples: dict[tuple[int, int], list[str]]  # (chain, link) → users it fired for


class _Shop:
    """Lookups shared by all shoppers: popularity draws and the chains' structure."""

    def __init__(self, catalog: Catalog) -> None:
        items = catalog.items
        self.chains = catalog.chains
        self.tops = list(TAXONOMY)
        self.leaf_of = items["category"].tolist()
        self.brands: list[list[str]] = []
        self.brand_cum: list[np.ndarray] = []
        self.pool: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        for t, top in enumerate(self.tops):
            in_top = items["top"] == top
            shares = pd.Series(catalog.weights[in_top.to_numpy()], index=items.index[in_top])
            by_brand = shares.groupby(items.loc[in_top, "brand"]).sum().sort_index()
            self.brands.append(list(by_brand.index))
            self.brand_cum.append(np.cumsum(by_brand.to_numpy()))
            for brand in by_brand.index:
                positions = np.flatnonzero(in_top & (items["brand"] == brand))
                self.pool[t, brand] = (positions, catalog.weights[positions])
        self.leaf_pool = {
            leaf: (pos, np.cumsum(catalog.weights[pos]))
            for leaf, pos in items.groupby("category").indices.items()
        }
        # Chain item → (chain, link): links 0 and 1 lead on to the next chain item.
        self.next_in_chain = {
            chain[k]: (c, k) for c, chain in enumerate(self.chains) for k in range(2)
        }
        self.chains_by_top: dict[int, list[int]] = {}
        for c, chain in enumerate(self.chains):
            top = self.tops.index(items.at[chain[0], "top"])
            self.chains_by_top.setdefault(top, []).append(c)

    def brand(self, rng: np.random.Generator, top: int) -> str:
        """A brand of category `top`, by the summed popularity of its items."""
        return self.brands[top][_draw(rng, self.brand_cum[top])]

    def item(self, rng: np.random.Generator, top: int, brand: str, avoid: set[int] | None) -> int:
        """An item of `brand` in `top` by popularity, outside `avoid` while any is left."""
        positions, weights = self.pool[top, brand]
        if avoid:
            fresh = np.array([pos not in avoid for pos in positions])
            if fresh.any():
                positions, weights = positions[fresh], weights[fresh]
        return int(positions[_draw(rng, np.cumsum(weights))])

    def alternative(self, rng: np.random.Generator, leaf: str) -> int:
        """Any item of `leaf` by popularity (what a shopper compares a trigger with)."""
        positions, cum = self.leaf_pool[leaf]
        return int(positions[_draw(rng, cum)])


def _draw(rng: np.random.Generator, cum: np.ndarray) -> int:
    """Index drawn with probability proportional to the weights whose cumsum is `cum`."""
    return min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), len(cum) - 1)


def _funnel(
    rng: np.random.Generator, item: int, p_cart: float, p_buy: float
) -> list[tuple[int, int]]:
    """View, then maybe cart, then maybe purchase: (item, event type) pairs."""
    events = [(item, VIEW)]
    if rng.random() < p_cart:
        events.append((item, CART))
        if rng.random() < p_buy:
            events.append((item, PURCHASE))
    return events


class _Shopper:
    """One user's hidden tastes, and the generator of their sessions."""

    def __init__(self, rng: np.random.Generator, shop: _Shop, p: ShopParams) -> None:
        self.rng, self.shop, self.p = rng, shop, p
        n_tops = len(shop.tops)
        self.early, self.late = (int(t) for t in rng.choice(n_tops, size=2, replace=False))
        self.preferred = [shop.brand(rng, t) for t in range(n_tops)]
        self.seen: set[int] = set()  # items this user has had an event on
        self.decided: set[int] = set()  # chain items whose follow-up was already decided
        self.fired: list[tuple[int, int]] = []  # (chain, link) fired for this user
        self.home, self.top_cum = 0, np.ones(n_tops)  # the current session's categories

    def interests(self, after_drift: bool) -> np.ndarray:
        """Probability of each top-level category before or after the drift point."""
        n_tops, p = len(self.shop.tops), self.p
        main, other = (self.late, self.early) if after_drift else (self.early, self.late)
        rest = 1.0 - p.p_main_interest - p.p_other_phase_interest
        probs = np.full(n_tops, rest / (n_tops - 2))
        probs[main], probs[other] = p.p_main_interest, p.p_other_phase_interest
        return probs

    def session(self, after_drift: bool) -> list[tuple[int, int]]:
        """The (item, event type) sequence of one session."""
        rng, p = self.rng, self.p
        self.top_cum = np.cumsum(self.interests(after_drift))
        self.home = _draw(rng, self.top_cum)
        queue = self._mission() if rng.random() < p.p_mission else []
        steps_left = 1 + int(rng.poisson(p.mean_extra_steps))
        events: list[tuple[int, int]] = []
        while queue or steps_left > 0:
            if not queue:
                queue, steps_left = self._browse(), steps_left - 1
            item, kind = queue.pop(0)
            events.append((item, kind))
            self.seen.add(item)
            if kind != VIEW and item in self.shop.next_in_chain and item not in self.decided:
                steps_left -= self._maybe_follow(item, queue, steps_left)
        return events

    def _browse(self) -> list[tuple[int, int]]:
        """One popularity-driven step: category, then brand (loyal or not), then item."""
        rng, p = self.rng, self.p
        stay = rng.random() < p.p_stay_in_session_category
        top = self.home if stay else _draw(rng, self.top_cum)
        loyal = rng.random() < p.p_preferred_brand
        brand = self.preferred[top] if loyal else self.shop.brand(rng, top)
        # Shoppers mostly look at something new; without this, loyal users of a brand
        # would view its bestseller over and over.
        revisit = rng.random() < p.p_revisit
        item = self.shop.item(rng, top, brand, avoid=None if revisit else self.seen)
        return _funnel(rng, item, p.p_cart, p.p_purchase_given_cart)

    def _mission(self) -> list[tuple[int, int]]:
        """Compare 0–2 alternatives of a chain trigger, then view it and likely buy it."""
        rng, p, shop = self.rng, self.p, self.shop
        trigger = shop.chains[int(rng.choice(shop.chains_by_top[self.home]))][0]
        n_alternatives = int(rng.integers(3))
        alternatives = [shop.alternative(rng, shop.leaf_of[trigger]) for _ in range(n_alternatives)]
        queue = [(item, VIEW) for item in alternatives if item != trigger]
        return queue + _funnel(rng, trigger, p.p_mission_cart, p.p_mission_purchase_given_cart)

    def _maybe_follow(self, item: int, queue: list[tuple[int, int]], steps_left: int) -> int:
        """Decide once per user and chain item; returns browsing steps used as filler."""
        rng, p = self.rng, self.p
        self.decided.add(item)
        if rng.random() >= p.p_follow:
            return 0
        c, k = self.shop.next_in_chain[item]
        self.fired.append((c, k))
        delay = int(rng.integers(1, p.follow_window + 1))  # follow-up is event 1..3 after
        used = 0
        while len(queue) < delay - 1 and used < steps_left:
            queue.extend(self._browse())
            used += 1
        follow = self.shop.chains[c][k + 1]
        at = min(delay - 1, len(queue))
        queue[at:at] = _funnel(rng, follow, p.p_follow_cart, p.p_follow_purchase_given_cart)
        return used


def simulate(rng: np.random.Generator, catalog: Catalog, p: ShopParams) -> Simulation:
    """Simulate `p.n_users` shoppers over the log period."""
    shop = _Shop(catalog)
    t0 = pd.Timestamp(p.start, tz="UTC")
    t_end = pd.Timestamp(p.end, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
    span = int((t_end - t0).total_seconds())
    rows, truths = [], []
    examples: dict[tuple[int, int], list[str]] = {}
    n_sessions = 0
    for u in range(p.n_users):
        user_id, shopper = f"U{u + 1:05d}", _Shopper(rng, shop, p)
        begin, finish = rng.uniform(0.0, 0.3) * span, rng.uniform(0.7, 1.0) * span
        drift_at = int(begin + rng.uniform(*p.drift_window) * (finish - begin))
        last = -(10**9)
        for start in _session_starts(rng, begin, finish, p):
            start = max(start, last + 60 * p.session_gap_minutes + 60)
            n_fired = len(shopper.fired)
            events = shopper.session(after_drift=start >= drift_at)
            gaps = np.exp(rng.normal(np.log(40.0), 1.0, size=len(events)))
            times = start + np.cumsum(np.clip(gaps, 3, p.max_event_gap_seconds).astype(int))
            if times[-1] > span:
                del shopper.fired[n_fired:]  # the session is dropped, so are its chains
                break  # never run past the last day; later sessions would too
            n_sessions += 1
            rows += [
                (user_id, i, int(t), k, n_sessions) for (i, k), t in zip(events, times, strict=True)
            ]
            last = int(times[-1])
        for chain_link in shopper.fired:
            examples.setdefault(chain_link, []).append(user_id)
        truths.append(_truth(user_id, shopper, shop, t0 + pd.Timedelta(seconds=drift_at)))
    return Simulation(_events_frame(rows, catalog, t0), pd.DataFrame(truths), examples)


def _session_starts(
    rng: np.random.Generator, begin: float, finish: float, p: ShopParams
) -> list[int]:
    """Sorted session start times (seconds after the first day) within [begin, finish]."""
    extra = rng.poisson(rng.gamma(2.0, p.mean_extra_sessions / 2.0))
    days = np.floor(rng.uniform(begin, finish, size=2 + int(extra)) / 86400)
    hours = rng.choice(24, size=len(days), p=HOURLY / HOURLY.sum())
    seconds = days * 86400 + hours * 3600 + rng.integers(0, 3600, size=len(days))
    return sorted(int(s) for s in seconds)


def _truth(user_id: str, shopper: _Shopper, shop: _Shop, drift_at: pd.Timestamp) -> dict:
    return {
        "user_id": user_id,
        "early_category": shop.tops[shopper.early],
        "late_category": shop.tops[shopper.late],
        "drift_at": drift_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **dict(zip(shop.tops, shopper.preferred, strict=True)),
    }


def _events_frame(rows: list[tuple], catalog: Catalog, t0: pd.Timestamp) -> pd.DataFrame:
    users, items, seconds, kinds, sessions = (np.array(col) for col in zip(*rows, strict=True))
    stamps = t0 + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame(
        {
            "user_id": users,
            "item_id": catalog.items["item_id"].to_numpy()[items],
            "timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "event_type": np.array(EVENT_TYPES)[kinds],
            "session_id": [f"S{s:06d}" for s in sessions],
            "price": catalog.items["price"].map("{:.2f}".format).to_numpy()[items],
        }
    )
