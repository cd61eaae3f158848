"""Segments of a run's shoppers: k-means on their representations, described in words.

k-means (scikit-learn) runs on the vectors scaled to length 1, so shoppers group by the
direction of their taste, not by how much they shop; it is fitted on a fixed, seeded
sample of at most `FIT_SAMPLE` shoppers and then assigns everybody. An automatic k takes
the best silhouette over `AUTO_KS` on a sample. Each segment is described from the
shoppers' tastes (`tastes`): size, top categories and brands, price band, activity, and
which categories its recommendations show more often than the shop average.

The last segmentation of a run is saved beside it (`segment_files`), so the Recommend
page's segment preview and the CLI use the same groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from seqrec_core import schema
from seqrec_core.errors import ConfigError
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.recommend.segments import preview_segment
from seqrec_core.shoppers.representations import ShopperVectors, sample_rows
from seqrec_core.shoppers.tastes import Tastes, group_tastes

AUTO_KS = tuple(range(2, 11))
MAX_K = 30
FIT_SAMPLE = 50_000
SILHOUETTE_SAMPLE = 4_000
_STANDS_OUT = 0.2  # a category (brand, item) share that names a segment
_LEANS = 0.45  # a price band is named when at least this share of events is in it
_SHOWN_MORE = 1.25  # a category "shown more often" when its share is ≥ this × the average

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Segment:
    """One segment, numbered from 1 by size (1 is the largest)."""

    segment: int
    size: int
    share: float  # of all shoppers
    top_categories: tuple[tuple[str, float], ...]  # (top-level category, share of its events)
    top_brands: tuple[tuple[str, float], ...]
    price_band: str | None  # "low", "mid" or "high": the band most of its events are in
    price_band_share: float  # the share of its priced events in that band
    median_events: float
    median_spend: float
    shown_more: tuple[tuple[str, float], ...] = ()  # (category, × the average shopper's share)
    top_items: tuple[tuple[str, float], ...] = ()  # (item name, share of its events)
    distinctive_items: tuple[tuple[str, float], ...] = ()  # (item, × its share of the shop)

    @property
    def name(self) -> str:
        """A short label: its leading category (or brand, or item) when one stands out."""
        for tops in (self.top_categories, self.top_brands, self.top_items):
            if tops and tops[0][1] >= _STANDS_OUT:
                return f"Segment {self.segment} · {tops[0][0]}"
        if not self.top_categories and not self.top_brands and self.distinctive_items:
            return f"Segment {self.segment} · {self.distinctive_items[0][0]}"
        return f"Segment {self.segment}"

    @property
    def description(self) -> str:
        """The segment in a few plain sentences."""
        text = f"{self.size:,} shoppers ({self.share:.0%})"
        leading = [
            (n, v) for i, (n, v) in enumerate(self.top_categories) if i == 0 or v >= _STANDS_OUT
        ]
        if leading:
            text += ", mostly " + " and ".join(f"{n} ({v:.0%} of their events)" for n, v in leading)
        text += "."
        if self.top_brands:
            text += " Favourite brands: " + ", ".join(n for n, _ in self.top_brands) + "."
        if not self.top_categories and not self.top_brands and self.top_items:
            text += " Most often: " + "; ".join(n for n, _ in self.top_items) + "."
            if self.distinctive_items:
                text += (
                    " More than other shoppers: "
                    + "; ".join(f"{n} ({r:.1f}×)" for n, r in self.distinctive_items)
                    + "."
                )
        if self.price_band and self.price_band_share >= _LEANS:
            text += (
                f" Leans to {self.price_band}-priced items for their category "
                f"({self.price_band_share:.0%} of events)."
            )
        text += f" A median of {self.median_events:,.0f} events"
        text += f" and {self.median_spend:,.2f} spent." if self.median_spend > 0 else "."
        if self.shown_more:
            shown = " and ".join(f"{n} {r:.1f}×" for n, r in self.shown_more)
            text += f" Their recommendations show {shown} as often as the average shopper's."
        return text

    def to_dict(self) -> dict[str, object]:
        """The CLI's `{segment, size, top_categories, top_brands}` plus the rest."""
        return {
            "segment": self.segment,
            "size": self.size,
            "top_categories": [n for n, _ in self.top_categories],
            "top_brands": [n for n, _ in self.top_brands],
            "top_items": [n for n, _ in self.top_items],
            "distinctive_items": [n for n, _ in self.distinctive_items],
            "share": round(self.share, 6),
            "price_band": self.price_band,
            "price_band_share": round(self.price_band_share, 4),
            "median_events": self.median_events,
            "median_spend": round(self.median_spend, 2),
            "shown_more": [{"category": n, "ratio": round(r, 3)} for n, r in self.shown_more],
            "name": self.name,
            "description": self.description,
        }


@dataclass(frozen=True)
class Segmentation:
    """Every shopper's segment and the segments' descriptions."""

    run_id: str
    users: tuple[str, ...]
    labels: np.ndarray  # (U,) segment number of each shopper, 1..k
    segments: tuple[Segment, ...]
    automatic: bool  # k chosen by silhouette
    silhouette: dict[int, float]  # k → silhouette score on the sample (automatic k only)

    @property
    def k(self) -> int:
        return len(self.segments)

    def members(self, segment: int) -> list[str]:
        """The ids of one segment's shoppers, in the run's user order."""
        return [self.users[i] for i in np.flatnonzero(self.labels == segment)]


def choose_k(unit: np.ndarray, seed: int = 0) -> tuple[int, dict[int, float]]:
    """The k of `AUTO_KS` with the best silhouette on a sample, and every k's score."""
    sample = unit[sample_rows(len(unit), SILHOUETTE_SAMPLE, seed)]
    distinct = len(np.unique(sample, axis=0))  # shoppers with identical histories coincide
    scores: dict[int, float] = {}
    for k in AUTO_KS:
        if k >= distinct:
            break
        labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(sample)
        if len(set(labels)) > 1:
            scores[k] = float(silhouette_score(sample, labels, random_state=seed))
    if not scores:
        return 1, scores
    return max(scores, key=lambda k: (scores[k], -k)), scores


def segment_shoppers(
    vectors: ShopperVectors,
    tastes: Tastes,
    k: int | None = None,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> Segmentation:
    """Group the shoppers into `k` segments (None: chosen by silhouette) and describe them.

    Raises:
        ConfigError: `k` outside 2..`MAX_K`, or more segments than shoppers.
    """
    count = len(vectors)
    if count < 2 and k is not None:
        raise ConfigError(f"segments = {k}: this run has {count} shopper(s), nothing to split")
    if k is not None and not 2 <= k <= min(MAX_K, count):
        raise ConfigError(
            f"segments = {k}: choose 2 to {min(MAX_K, count)} (or let the tool choose)"
        )
    unit = vectors.unit.numpy()
    scores: dict[int, float] = {}
    automatic = k is None
    if k is None:
        if progress:
            progress(
                0.1,
                f"Choosing the number of segments on {min(count, SILHOUETTE_SAMPLE):,} shoppers",
            )
        k, scores = choose_k(unit, seed)
    if progress:
        progress(0.6, f"Grouping {count:,} shoppers into {k} segments")
    if k == 1:
        labels = np.zeros(count, dtype=np.int64)
    else:
        model = KMeans(n_clusters=k, n_init=4, random_state=seed)
        model.fit(unit[sample_rows(count, FIT_SAMPLE, seed)])
        labels = model.predict(unit).astype(np.int64)
    # Number the segments by size, largest first (ties by k-means label).
    sizes = np.bincount(labels, minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(1, k + 1)
    labels = renumber[labels]
    segments = []
    for number in range(1, k + 1):
        rows = np.flatnonzero(labels == number)
        summary = group_tastes(tastes, rows)
        segments.append(
            Segment(
                segment=number,
                size=len(rows),
                share=len(rows) / max(count, 1),
                top_categories=tuple(summary["top_categories"]),
                top_brands=tuple(summary["top_brands"]),
                price_band=summary["price_band"],
                price_band_share=summary["price_band_share"],
                median_events=summary["median_events"],
                median_spend=summary["median_spend"],
                top_items=tuple(summary["top_items"]),
                distinctive_items=tuple(summary["distinctive_items"]),
            )
        )
    if progress:
        progress(1.0, f"{k} segments of {count:,} shoppers")
    return Segmentation(vectors.run_id, vectors.users, labels, tuple(segments), automatic, scores)


def _recommended_shares(
    engine: RunRecommender, users: list[str], names: dict[str, int]
) -> np.ndarray:
    """(C,) share of each top-level category among the top-10 lists of `users`."""
    lists = preview_segment(engine, users, k=10).top_items
    tops = [
        str(c).split(schema.CATEGORY_SEPARATOR)[0] if c else None for c in engine.table.category
    ]
    counts = np.zeros(len(names))
    for index in lists[lists > 0]:
        code = names.get(tops[index]) if tops[index] else None
        if code is not None:
            counts[code] += 1
    return counts / max(counts.sum(), 1)


def add_recommendation_mix(
    engine: RunRecommender,
    segmentation: Segmentation,
    tastes: Tastes,
    *,
    per_segment: int = 300,
    seed: int = 0,
) -> Segmentation:
    """Say which categories each segment is shown more often than the average shopper,
    from the top-10 lists of a fixed sample of at most `per_segment` shoppers each."""
    if not tastes.has_categories:
        return segmentation
    names = {name: i for i, name in enumerate(tastes.categories)}
    shares = []
    for segment in segmentation.segments:
        members = segmentation.members(segment.segment)
        picked = [members[i] for i in sample_rows(len(members), per_segment, seed)]
        shares.append(_recommended_shares(engine, picked, names))
    weights = np.array([s.share for s in segmentation.segments])
    average = (np.array(shares) * weights[:, None]).sum(axis=0) / max(weights.sum(), 1e-12)
    updated = []
    for segment, share in zip(segmentation.segments, shares, strict=True):
        ratio = np.divide(share, average, out=np.zeros_like(share), where=average > 0)
        more = [
            (tastes.categories[i], float(ratio[i]))
            for i in np.argsort(-ratio, kind="stable")
            if ratio[i] >= _SHOWN_MORE and share[i] >= 0.05
        ][:2]
        updated.append(replace(segment, shown_more=tuple(more)))
    return replace(segmentation, segments=tuple(updated))


def segments_frame(segmentation: Segmentation) -> pd.DataFrame:
    """One row per segment, for the page's comparison table and the CSV export."""
    rows = []
    for s in segmentation.segments:
        rows.append(
            {
                "segment": s.segment,
                "name": s.name,
                "shoppers": s.size,
                "share": s.share,
                "top_categories": ", ".join(f"{n} ({v:.0%})" for n, v in s.top_categories),
                "top_brands": ", ".join(f"{n} ({v:.0%})" for n, v in s.top_brands),
                "top_items": "; ".join(n for n, _ in s.top_items),
                "stands_out": "; ".join(f"{n} ({r:.1f}×)" for n, r in s.distinctive_items),
                "price_band": s.price_band or "",
                "median_events": s.median_events,
                "median_spend": s.median_spend,
                "description": s.description,
            }
        )
    return pd.DataFrame(rows)
