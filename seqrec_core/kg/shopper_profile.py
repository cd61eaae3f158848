"""The KG-enriched profile of one user: affinities, price band, funnel, rhythm, diversity,
inferred interests.

Affinities are recency-weighted: every event counts with its `weight` from the graph
build (event-type weight × half-life decay before the user's last event), summed per
category (at every level of the hierarchy), brand and price band, and normalised to sum
to 1 (per level for categories). The funnel and the rhythm compare the user with the
shop average (`seqrec_core.data.funnel_and_rhythm`); interests come from personalized PageRank
(`seqrec_core.kg.interests`). A dataset without a catalog still gets a profile: the
metadata parts are empty and `missing` names what is absent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.data.funnel_and_rhythm import funnel_counts, funnel_table, rhythm_tables
from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.kg.interests import Interest, inferred_interests
from seqrec_core.kg.item_metadata import PRICE_BANDS


@dataclass(frozen=True)
class Diversity:
    """How spread a user's activity is: Shannon entropy of their events over `basis`."""

    basis: str  # 'category' (leaf), 'brand', 'attribute' or 'item': the finest one known
    distinct: int
    entropy_bits: float
    normalized: float  # entropy / log2(distinct): 0 = one value only, 1 = perfectly even


@dataclass(frozen=True)
class UserProfile:
    """Everything the Profile page and the `profile` command show for one user.

    Frames: `categories` (category, label, level, affinity, events), `brands` (brand,
    category = top-level category, affinity, share_in_category, events), `price_bands`
    (band, affinity, events), `funnel` (`funnel_and_rhythm.funnel_table`), `hours` / `weekdays`
    (`funnel_and_rhythm.rhythm_tables`).
    """

    user: str
    events: int
    items: int
    first_seen: pd.Timestamp
    last_seen: pd.Timestamp
    categories: pd.DataFrame
    brands: pd.DataFrame
    price_bands: pd.DataFrame
    preferred_price_band: str | None
    median_price: float | None
    funnel: pd.DataFrame
    stage_counts: dict[str, int]
    hours: pd.DataFrame
    weekdays: pd.DataFrame
    diversity: Diversity
    interests: list[Interest]
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the `profile` command's answer)."""
        return {
            "user": self.user,
            "events": self.events,
            "items": self.items,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "categories": _records(self.categories),
            "brands": _records(self.brands),
            "price_band": {
                "preferred": self.preferred_price_band,
                "median_price": self.median_price,
                "bands": _records(self.price_bands),
            },
            "funnel": {"stages": self.stage_counts, "steps": _records(self.funnel)},
            "rhythm": {
                "timezone": "UTC",
                "hours": self.hours["events"].astype(int).tolist(),
                "weekdays": dict(
                    zip(
                        self.weekdays["weekday"],
                        self.weekdays["events"].astype(int).tolist(),
                        strict=True,
                    )
                ),
            },
            "diversity": vars(self.diversity),
            "inferred_interests": [i.to_dict() for i in self.interests],
            "missing_metadata": list(self.missing),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with plain Python values (NaN → None, floats rounded)."""
    rows = []
    for row in frame.to_dict("records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, float | np.floating):
                clean[key] = None if math.isnan(value) else round(float(value), 6)
            elif isinstance(value, np.integer):
                clean[key] = int(value)
            else:
                clean[key] = None if value is pd.NA else value
        rows.append(clean)
    return rows


def _shares(weights: pd.Series) -> pd.Series:
    total = weights.sum()
    return weights / total if total > 0 else weights * 0.0


def _shares_within(weights: pd.Series, groups: pd.Series) -> pd.Series:
    """Each weight's share of its group's total (0 where a group's total is 0)."""
    totals = weights.groupby(groups).transform("sum")
    return (weights / totals.where(totals > 0)).fillna(0.0)


def category_affinities(events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Recency-weighted category affinity at every level (each level sums to 1)."""
    levels = events[schema.ITEM_ID].map(items["category_levels"])
    frame = pd.DataFrame({"category": levels, "weight": events["weight"]}).explode("category")
    frame = frame.dropna(subset=["category"])
    if frame.empty:
        return pd.DataFrame(columns=["category", "label", "level", "affinity", "events"])
    grouped = frame.groupby("category")["weight"].agg(["sum", "size"]).reset_index()
    grouped["level"] = grouped["category"].str.count(schema.CATEGORY_SEPARATOR) + 1
    grouped["affinity"] = _shares_within(grouped["sum"], grouped["level"])
    grouped["label"] = grouped["category"].str.split(schema.CATEGORY_SEPARATOR).str[-1]
    grouped = grouped.rename(columns={"size": "events"})
    grouped = grouped.sort_values(["level", "affinity", "category"], ascending=[True, False, True])
    return grouped[["category", "label", "level", "affinity", "events"]].reset_index(drop=True)


def brand_affinities(events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Recency-weighted brand affinity (sums to 1), with each brand's top-level category
    and its share within that category (sums to 1 per category)."""
    brands = events[schema.ITEM_ID].map(items["brand"])
    tops = events[schema.ITEM_ID].map(items["category_levels"]).map(lambda p: p[0] if p else None)
    frame = pd.DataFrame({"brand": brands, "top": tops, "weight": events["weight"]})
    frame = frame[frame["brand"].notna()]
    columns = ["brand", "category", "affinity", "share_in_category", "events"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby("brand")["weight"].agg(["sum", "size"])
    pairs = frame.dropna(subset=["top"]).groupby(["brand", "top"]).size().rename("n").reset_index()
    pairs = pairs.sort_values(["n", "top"], ascending=[False, True]).drop_duplicates("brand")
    top = pairs.set_index("brand")["top"]  # the brand's most frequent top-level category
    grouped["category"] = top.reindex(grouped.index).astype(object)
    grouped["affinity"] = _shares(grouped["sum"])
    by_cat = grouped["category"].fillna("")
    grouped["share_in_category"] = _shares_within(grouped["sum"], by_cat)
    grouped = grouped.rename(columns={"size": "events"}).reset_index()
    grouped = grouped.sort_values(["affinity", "brand"], ascending=[False, True])
    return grouped[columns].reset_index(drop=True)


def price_band_affinities(events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Recency-weighted share of each price band (within the items' own categories)."""
    bands = events[schema.ITEM_ID].map(items["price_band"])
    frame = pd.DataFrame({"band": bands, "weight": events["weight"]}).dropna(subset=["band"])
    if frame.empty:
        return pd.DataFrame(columns=["band", "affinity", "events"])
    grouped = frame.groupby("band")["weight"].agg(["sum", "size"]).reindex(list(PRICE_BANDS))
    grouped = grouped.fillna(0.0)
    return pd.DataFrame(
        {
            "band": list(PRICE_BANDS),
            "affinity": _shares(grouped["sum"]).to_numpy(),
            "events": grouped["size"].astype(int).to_numpy(),
        }
    )


def diversity(events: pd.DataFrame, items: pd.DataFrame) -> Diversity:
    """Entropy of the user's events over the finest metadata they have."""
    ids = events[schema.ITEM_ID]
    candidates = (
        ("category", ids.map(items["category"])),
        ("brand", ids.map(items["brand"])),
        ("attribute", ids.map(items["attributes"]).explode()),
        ("item", ids),
    )
    basis, counts = next(
        (
            (name, values.dropna().value_counts())
            for name, values in candidates
            if values.notna().any()
        ),
        ("item", ids.value_counts()),
    )
    p = counts.to_numpy(dtype=float) / max(counts.sum(), 1)
    entropy = float(-(p * np.log2(p)).sum()) if len(p) else 0.0
    normalized = entropy / math.log2(len(p)) if len(p) > 1 else 0.0
    return Diversity(basis, len(p), round(entropy, 6), round(normalized, 6))


def user_profile(kg: KnowledgeGraph, user_id: str, *, interests: int = 8) -> UserProfile:
    """The KG-enriched profile of one user.

    Args:
        kg: the dataset's graph (`seqrec_core.kg.graph.build_graph`).
        user_id: the id as in the events file.
        interests: how many inferred interests to return.

    Raises:
        InputError: the user has no events in this dataset.
    """
    events = kg.user_events(str(user_id))
    items = kg.items
    bands = price_band_affinities(events, items)
    prices = events[schema.ITEM_ID].drop_duplicates().map(items["price"]).dropna()
    hours, weekdays = rhythm_tables(events, kg.shop)
    return UserProfile(
        user=str(user_id),
        events=len(events),
        items=int(events[schema.ITEM_ID].nunique()),
        first_seen=pd.Timestamp(events[schema.TIMESTAMP].iloc[0]),
        last_seen=pd.Timestamp(events[schema.TIMESTAMP].iloc[-1]),
        categories=category_affinities(events, items),
        brands=brand_affinities(events, items),
        price_bands=bands,
        preferred_price_band=None
        if bands.empty
        else str(bands.loc[bands["affinity"].idxmax(), "band"]),
        median_price=float(prices.median()) if len(prices) else None,
        funnel=funnel_table(events, kg.shop),
        stage_counts=funnel_counts(events[schema.EVENT_TYPE]),
        hours=hours,
        weekdays=weekdays,
        diversity=diversity(events, items),
        interests=inferred_interests(kg, str(user_id), k=interests),
        missing=kg.missing,
    )
