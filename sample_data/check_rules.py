"""Measure the sample shop's planted rules on the committed files, each against a baseline.

    python sample_data/check_rules.py [--dir DIR] [--links]

Reads `events.csv.gz`, `items.csv`, `rules.json` and `user_truth.csv.gz` with pandas,
prints one line per measurement (measured strength, baseline, required strength) and
exits 1 if any rule is weaker than documented in README.md. The functions are imported
by tests/data/test_sample_data.py, which asserts on the numbers themselves.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TRIGGER_TYPES = ("cart", "purchase")
MIN_TRIGGERS = 30  # each chain's trigger is carted/purchased at least this often
MIN_EVENTS_FOR_DRIFT = 12  # users with fewer events are left out of the thirds measure


@dataclass(frozen=True)
class Measurement:
    """One measured rule strength, its baseline and what it must reach."""

    rule: str
    metric: str
    measured: float
    baseline: float | None = None  # the same measure where the rule cannot act
    min_measured: float | None = None
    min_lift: float | None = None  # measured / baseline
    min_gap: float | None = None  # measured - baseline

    @property
    def passed(self) -> bool:
        """Whether every requirement that is set holds."""
        checks = [self.min_measured is None or self.measured >= self.min_measured]
        if self.baseline is not None:
            lift = self.measured / self.baseline if self.baseline > 0 else float("inf")
            checks.append(self.min_lift is None or lift >= self.min_lift)
            checks.append(self.min_gap is None or self.measured - self.baseline >= self.min_gap)
        return all(checks)

    def requirement(self) -> str:
        """The requirement in words, e.g. '>= 0.7, lift >= 20'."""
        limits = (("", self.min_measured), ("lift ", self.min_lift), ("gap ", self.min_gap))
        return ", ".join(f"{name}>= {value:g}" for name, value in limits if value is not None)


@dataclass(frozen=True)
class Shop:
    """The committed sample shop: events (with each item's top category and brand)."""

    events: pd.DataFrame  # file order (user, then time) plus columns `top`, `brand`
    items: pd.DataFrame
    rules: dict
    truth: pd.DataFrame  # one row per user: hidden preferred brands and drift


def load_shop(folder: Path = HERE) -> Shop:
    """Read the four sample-shop files from `folder`."""
    items = pd.read_csv(folder / "items.csv", dtype=str)
    items["top"] = items["category"].str.split(" > ").str[0]
    events = pd.read_csv(folder / "events.csv.gz", dtype=str)
    events = events.merge(items[["item_id", "top", "brand"]], on="item_id", how="left")
    events["time"] = pd.to_datetime(events["timestamp"], utc=True)
    rules = json.loads((folder / "rules.json").read_text(encoding="utf-8"))
    truth = pd.read_csv(folder / "user_truth.csv.gz", dtype=str)
    return Shop(events=events, items=items, rules=rules, truth=truth)


def chain_links(shop: Shop) -> pd.DataFrame:
    """Per chain link (item → next item): P(next within the window | first trigger).

    The trigger is a user's first cart or purchase of the link's first item. The
    baseline is the same probability at every position of every user where that
    item had not yet been carted or purchased. `follow_up_events` and
    `follow_up_after_trigger` say how many of the follow-up item's events there are
    and how many come after the user's trigger (`positions_after`: all events that do).
    """
    chains = shop.rules["complementary_chains"]
    window = int(chains["follow_window_events"])
    ev = shop.events
    users = ev["user_id"].to_numpy()
    items = ev["item_id"].to_numpy()
    acting = ev["event_type"].isin(TRIGGER_TYPES).to_numpy()
    rows = []
    for chain in chains["chains"]:
        for link, (first, follow_up) in enumerate(pairwise(chain["items"])):
            trigger = acting & (items == first)
            before = pd.Series(trigger).groupby(users).cumsum().to_numpy()
            is_follow_up = items == follow_up
            soon = _within_next(is_follow_up, users, window)
            first_trigger = trigger & (before == 1)
            rows.append(
                {
                    "chain": chain["name"],
                    "link": link,
                    "trigger": first,
                    "follow_up": follow_up,
                    "triggers": int(first_trigger.sum()),
                    "followed": int(soon[first_trigger].sum()),
                    "positions_without": int((before == 0).sum()),
                    "followed_without": int(soon[before == 0].sum()),
                    "follow_up_events": int(is_follow_up.sum()),
                    "follow_up_after_trigger": int((is_follow_up & (before > 0)).sum()),
                    "positions_after": int((before > 0).sum()),
                }
            )
    links = pd.DataFrame(rows)
    # A link that never triggered counts as never followed (0), not as unknown (NaN).
    links["p_follow"] = (links["followed"] / links["triggers"]).fillna(0.0)
    links["p_baseline"] = (links["followed_without"] / links["positions_without"]).fillna(0.0)
    return links


def _within_next(hit: np.ndarray, users: np.ndarray, window: int) -> np.ndarray:
    """True at positions whose next `window` events (same user) contain a hit."""
    soon = np.zeros(len(hit), dtype=bool)
    for k in range(1, window + 1):
        soon[:-k] |= hit[k:] & (users[k:] == users[:-k])
    return soon


def check_chains(shop: Shop) -> list[Measurement]:
    """Complementary chains: strength, weakest link, trigger as the cause, trigger counts."""
    links = chain_links(shop)
    total = links.sum(numeric_only=True)
    p_all = total["followed"] / total["triggers"]
    base_all = total["followed_without"] / total["positions_without"]
    # If follow-ups ignored their triggers, they would come after one as often as any event.
    caused = total["follow_up_after_trigger"] / max(total["follow_up_events"], 1)
    caused_base = total["positions_after"] / (total["positions_after"] + total["positions_without"])
    weakest = links.loc[links["p_follow"].idxmin()]
    window = shop.rules["complementary_chains"]["follow_window_events"]
    return [
        Measurement(
            "chains",
            f"P(next chain item within {window} events | first cart/purchase), all links",
            p_all,
            base_all,
            min_measured=0.7,
            min_lift=20,
        ),
        Measurement(
            "chains",
            f"weakest link ({weakest['chain']}, link {weakest['link']})",
            weakest["p_follow"],
            weakest["p_baseline"],
            min_measured=0.5,
            min_lift=10,
        ),
        Measurement(
            "chains",
            "share of follow-up item events that come after the user's trigger",
            caused,
            caused_base,
            min_measured=0.6,
            min_lift=10,
        ),
        Measurement(
            "chains",
            "fewest first carts/purchases of a chain trigger (link 0)",
            float(links.loc[links["link"] == 0, "triggers"].min()),
            min_measured=MIN_TRIGGERS,
        ),
    ]


def check_brand_loyalty(shop: Shop) -> list[Measurement]:
    """Share of purchases (and of all events) on the shopper's preferred brand."""
    tops = list(shop.items["top"].unique())  # user_truth.csv.gz has one column per top
    preferred = shop.truth.melt("user_id", value_vars=tops, var_name="top", value_name="pref")
    results = []
    for label, ev in (
        ("purchases", shop.events[shop.events["event_type"] == "purchase"]),
        ("all events", shop.events),
    ):
        ev = ev.merge(preferred, on=["user_id", "top"])
        on_pref = ev["brand"] == ev["pref"]
        key = pd.MultiIndex.from_arrays([ev["top"], ev["pref"]])
        baseline = float(_base_share(ev, on_pref).reindex(key).mean())
        results.append(
            Measurement(
                "brand loyalty",
                f"share of within-category {label} on the preferred brand",
                float(on_pref.mean()),
                baseline,
                min_measured=0.5,
                min_lift=3,
            )
        )
    return results


def _base_share(ev: pd.DataFrame, on_pref: pd.Series) -> pd.Series:
    """Share of each (top, brand) among the category's events of users not preferring it."""
    hits = ev[~on_pref].groupby(["top", "brand"]).size()
    preferring = ev.groupby(["top", "pref"]).size().rename_axis(["top", "brand"])
    pairs = hits.index.union(preferring.index)
    hits, preferring = hits.reindex(pairs, fill_value=0), preferring.reindex(pairs, fill_value=0)
    totals = ev.groupby("top").size().reindex(pairs.get_level_values("top")).to_numpy()
    return hits / (totals - preferring)


def check_drift(shop: Shop) -> list[Measurement]:
    """Category drift, with the truth (before/after the switch) and without it (thirds)."""
    ev = shop.events.merge(shop.truth[["user_id", "early_category", "late_category", "drift_at"]])
    after = ev["time"] >= pd.to_datetime(ev["drift_at"], utc=True)
    is_late = ev["top"] == ev["late_category"]
    is_early = ev["top"] == ev["early_category"]
    changed, shuffled = _dominant_change(shop.events)
    return [
        Measurement(
            "category drift",
            "P(event in late interest | after switch) vs before switch",
            float(is_late[after].mean()),
            float(is_late[~after].mean()),
            min_gap=0.3,
        ),
        Measurement(
            "category drift",
            "P(event in early interest | before switch) vs after switch",
            float(is_early[~after].mean()),
            float(is_early[after].mean()),
            min_gap=0.3,
        ),
        Measurement(
            "category drift",
            "users whose dominant category differs, first vs last third (vs shuffled)",
            changed,
            shuffled,
            min_measured=0.6,
            min_gap=0.3,
        ),
    ]


def _dominant_change(events: pd.DataFrame) -> tuple[float, float]:
    """Share of users whose top category of the first third differs from the last third.

    The baseline is the same share after shuffling each user's events (fixed seed):
    what the measure reads when order carries no information.
    """
    sizes = events.groupby("user_id")["top"].transform("size")
    ev = events.loc[sizes >= MIN_EVENTS_FOR_DRIFT, ["user_id", "top"]]
    rng = np.random.default_rng(0)
    shuffled = ev.assign(key=rng.random(len(ev))).sort_values(["user_id", "key"], kind="stable")
    return _share_changed(ev), _share_changed(shuffled)


def _share_changed(ev: pd.DataFrame) -> float:
    position = ev.groupby("user_id").cumcount() / ev.groupby("user_id")["top"].transform("size")
    first = ev[position < 1 / 3].groupby("user_id")["top"].agg(lambda s: s.mode().iloc[0])
    last = ev[position >= 2 / 3].groupby("user_id")["top"].agg(lambda s: s.mode().iloc[0])
    return float((first != last.reindex(first.index)).mean())


def check_searches(shop: Shop) -> list[Measurement]:
    """Planted searches name their item, yet a query without a brand fits many items."""
    events = shop.events.assign(query=shop.events["query"].fillna(""))
    searched = events[events["query"] != ""]
    words = shop.items.set_index("item_id").apply(_item_words, axis=1)
    named = _names(searched["query"], words.loc[searched["item_id"]].to_numpy())
    shuffled = np.random.default_rng(0).permutation(words.loc[searched["item_id"]].to_numpy())
    brands = {w for brand in shop.items["brand"].str.lower() for w in _WORD.findall(brand)}
    counts = searched["query"].value_counts()
    generic = [q for q in counts.index if not brands & set(_WORD.findall(q))]
    fits = {q: sum(set(_WORD.findall(q)) <= w for w in words) for q in generic}
    matches = np.repeat([fits[q] for q in generic], counts[generic].to_numpy())
    return [
        Measurement(
            "searches",
            "share of searched events whose query's words are all in their item's text",
            float(named.mean()),
            float(_names(searched["query"], shuffled).mean()),
            min_measured=0.85,
            min_lift=5,
        ),
        Measurement(
            "searches",
            "catalog items holding every word of a brand-free searched query (median)",
            float(np.median(matches)),
            min_measured=10,
        ),
    ]


_WORD = re.compile(r"[a-z0-9]+")


def _item_words(item: pd.Series) -> set[str]:
    text = f"{item['title']} {item['category']} {item['brand']}".lower()
    return set(_WORD.findall(text))


def _names(queries: pd.Series, item_words: np.ndarray) -> np.ndarray:
    return np.array([set(_WORD.findall(q)) <= w for q, w in zip(queries, item_words, strict=True)])


def run_checks(shop: Shop) -> list[Measurement]:
    """All measurements of all planted rules."""
    return check_chains(shop) + check_brand_loyalty(shop) + check_drift(shop) + check_searches(shop)


def main(argv: list[str] | None = None) -> int:
    """Print every measurement; exit status 1 if any rule is weaker than required."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=HERE, help="folder holding the shop")
    parser.add_argument("--links", action="store_true", help="also print every chain link")
    args = parser.parse_args(argv)
    shop = load_shop(args.dir)
    results = run_checks(shop)
    for m in results:
        baseline = "" if m.baseline is None else f"{m.baseline:.4f}"
        verdict = "PASS" if m.passed else "FAIL"
        print(
            f"{verdict}  {m.rule:<15} {m.metric:<75} measured {m.measured:8.4f}"
            f"  baseline {baseline:>6}  required {m.requirement()}"
        )
    if args.links:
        columns = ["chain", "link", "trigger", "follow_up", "triggers", "p_follow", "p_baseline"]
        table = chain_links(shop)[columns].to_string(index=False, float_format="{:.4f}".format)
        print(table)
    failed = [m for m in results if not m.passed]
    print(f"{len(results) - len(failed)}/{len(results)} rule checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
