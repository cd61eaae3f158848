"""Segment preview: what a campaign would show a group of shoppers, in aggregate.

`segment_users` picks shoppers by what they did (e.g. bought in a category or brand, or
one of a few products, in the last N days); `preview_segment` scores all of them in batches and summarises the lists:
catalog coverage, diversity (distinct items per slot, category spread) and the items
recommended most often.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from seqrec_core import schema
from seqrec_core.recommend.item_table import Filters, allowed_mask
from seqrec_core.recommend.recommender import RunRecommender

_BATCH = 512


@dataclass(frozen=True)
class SegmentRule:
    """Who is in the segment: shoppers with a matching event in the last `days` days.

    Empty fields match everything; `days` counts back from the log's last event.
    """

    category: str | None = None  # a category path prefix, e.g. "Outdoor > Camping"
    brand: str | None = None
    event_types: tuple[str, ...] = ("purchase",)
    days: int | None = 30
    items: tuple[str, ...] = ()  # product ids: an event on any of them


def segment_users(events: pd.DataFrame, catalog: pd.DataFrame, rule: SegmentRule) -> list[str]:
    """The ids of shoppers matching `rule`, most active first."""
    frame = events[[schema.USER_ID, schema.ITEM_ID, schema.TIMESTAMP]].copy()
    if schema.EVENT_TYPE in events.columns and rule.event_types:
        frame = frame[events[schema.EVENT_TYPE].isin(list(rule.event_types))]
    if rule.days is not None and not frame.empty:
        end = pd.to_datetime(events[schema.TIMESTAMP]).max()
        frame = frame[pd.to_datetime(frame[schema.TIMESTAMP]) >= end - pd.Timedelta(days=rule.days)]
    if rule.category or rule.brand:
        info = catalog.drop_duplicates(schema.ITEM_ID).set_index(schema.ITEM_ID)
        keep = pd.Series(True, index=info.index)
        if rule.category and "category" in info:
            text = info["category"].fillna("").astype(str)
            keep &= (text == rule.category) | text.str.startswith(
                rule.category + schema.CATEGORY_SEPARATOR
            )
        elif rule.category:
            keep &= False
        if rule.brand and "brand" in info:
            keep &= info["brand"].astype(str) == rule.brand
        elif rule.brand:
            keep &= False
        frame = frame[frame[schema.ITEM_ID].astype(str).isin(set(info.index[keep].astype(str)))]
    if rule.items:
        frame = frame[frame[schema.ITEM_ID].astype(str).isin(set(rule.items))]
    counts = frame[schema.USER_ID].astype(str).value_counts()
    return list(counts.index)


@dataclass(frozen=True)
class SegmentPreview:
    """The lists of a segment and their aggregate shape."""

    users: tuple[str, ...]
    top_items: np.ndarray  # (U, K) item indices, best first (0 where fewer passed the filters)
    coverage: float  # share of the catalog that appears in anybody's list
    distinct_share: float  # distinct items / all slots (1.0: nobody shares an item)
    categories_per_list: float  # mean distinct top-level categories in one list
    most_recommended: pd.DataFrame  # item_id, title, category, brand, lists (count), share


def _histories_mask(engine: RunRecommender, rows: np.ndarray, scores: torch.Tensor) -> None:
    """Set the scores of every item in each user's history to -inf, in place."""
    seqs = engine.loaded.prepared.data.sequences
    for i, row in enumerate(rows):
        scores[i, torch.from_numpy(seqs.items[seqs.offsets[row] : seqs.offsets[row + 1]])] = float(
            "-inf"
        )


def preview_segment(
    engine: RunRecommender,
    users: Sequence[str],
    *,
    k: int = 10,
    filters: Filters | None = None,
    top: int = 20,
) -> SegmentPreview:
    """Top-`k` lists for every known user of `users`, scored in batches, and their summary."""
    filters = filters or Filters()
    data = engine.loaded.prepared.data
    known = [u for u in users if u in data.users]
    rows = np.array([data.users.index(u) - 1 for u in known], dtype=np.int64)
    allowed = torch.from_numpy(allowed_mask(engine.table, filters))
    count = min(k, int(allowed.sum()))
    lists = np.zeros((len(rows), count), dtype=np.int64)
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        scores = engine.score(data.sequences, chunk)  # (B, V)
        scores[:, ~allowed] = float("-inf")
        if filters.exclude_seen:
            _histories_mask(engine, chunk, scores)
        best = scores.topk(count, dim=1)
        lists[start : start + len(chunk)] = np.where(
            torch.isfinite(best.values).numpy(), best.indices.numpy(), 0
        )
    return _summarise(engine, tuple(known), lists, top)


def _summarise(
    engine: RunRecommender, users: tuple[str, ...], lists: np.ndarray, top: int
) -> SegmentPreview:
    table = engine.table
    filled = lists[lists > 0]
    distinct = np.unique(filled)
    tops = np.array([str(c).split(" > ")[0] if c else "" for c in table.category], dtype=object)
    spread = [len({tops[i] for i in row if i > 0 and tops[i]}) for row in lists]
    counts = pd.Series(filled).value_counts().head(top)
    most = pd.DataFrame(
        {
            "item_id": [table.items.tokens[i - 1] for i in counts.index],
            "title": [table.label(int(i)) for i in counts.index],
            "category": [table.category[i] for i in counts.index],
            "brand": [table.brand[i] for i in counts.index],
            "lists": counts.to_numpy(),
            "share": counts.to_numpy() / max(len(users), 1),
        }
    )
    return SegmentPreview(
        users=users,
        top_items=lists,
        coverage=len(distinct) / table.items.num_tokens,
        distinct_share=len(distinct) / max(len(filled), 1),
        categories_per_list=float(np.mean(spread)) if spread else 0.0,
        most_recommended=most,
    )
