"""Users worth explaining: the most and least confident, and surprising recommendations.

`user_cases` scores every user (up to a limit, a seeded sample beyond it) in batches and
returns one row per user with the first recommendation, the model's confidence in it
(its softmax probability among the items that can be recommended) and how *surprising*
it is: the share of the user's window outside its top-level category (else brand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from seqrec_core.data.sequences import SequenceData, pad_left
from seqrec_core.explain.explanation import model_window
from seqrec_core.models import Recommender

MAX_USERS = 5000  # users scored for the lists (a seeded sample beyond)


def _group_of(catalog: pd.DataFrame | None, data: SequenceData) -> np.ndarray | None:
    """(V,) top-level category (else brand) per item index, "" where unknown; or None."""
    if catalog is None or "item_id" not in catalog.columns:
        return None
    column = next((c for c in ("category", "brand") if c in catalog.columns), None)
    if column is None:
        return None
    info = catalog.drop_duplicates("item_id")
    values = info.set_index(info["item_id"].astype(str))[column].astype("string")
    values = values.str.split(">").str[0].str.strip().fillna("")
    return np.asarray(["", *values.reindex(list(data.items.tokens)).fillna("")], dtype=object)


def user_cases(
    model: Recommender,
    data: SequenceData,
    catalog: pd.DataFrame | None = None,
    *,
    max_users: int = MAX_USERS,
    exclude_seen: bool = True,
    batch_size: int = 256,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per user: `user_id`, `events`, `top_item`, `confidence`, `surprise`.

    `surprise` is the share of the user's window outside the first recommendation's
    top-level category (else brand): 1 means nothing like it was seen (NaN: no catalog).

    Args:
        model: the run's model (eval mode, CPU).
        data: its sequences and vocabularies.
        catalog: `item_id` with `category` or `brand`, for `surprising`.
        max_users: users scored at most (a seeded sample of users with events beyond).
        exclude_seen: rank without the items already in the user's window.
        batch_size: users per forward pass.

    Returns:
        The frame, sorted by confidence (highest first).
    """
    seqs = data.sequences
    rows = np.flatnonzero(seqs.lengths > 0)
    if len(rows) > max_users:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_users, replace=False))
    groups = _group_of(catalog, data)
    window = model_window(model)
    tops, confidence, surprising = [], [], []
    for start in range(0, len(rows), batch_size):
        batch = pad_left(seqs, rows[start : start + batch_size], window)
        with torch.no_grad():
            scores = model.score_items(**batch).float()  # (B, V)
        excluded = torch.zeros_like(scores, dtype=torch.bool)
        excluded[:, 0] = True
        if exclude_seen:
            excluded.scatter_(1, batch["input_ids"], True)
        masked = scores.masked_fill(excluded, float("-inf"))
        best = masked.argmax(dim=1)  # (B,)
        probs = torch.softmax(masked, dim=1).gather(1, best.view(-1, 1))[:, 0]
        tops.append(best.numpy())
        confidence.append(probs.numpy())
        if groups is not None:
            seen = groups[batch["input_ids"].numpy()]  # (B, L) group per event
            same = seen == groups[best.numpy()][:, None]  # (B, L)
            real = batch["attention_mask"].numpy() > 0
            surprising.append(1.0 - (same & real).sum(axis=1) / np.maximum(real.sum(axis=1), 1))
    top = np.concatenate(tops) if tops else np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame(
        {
            "user_id": [data.users.tokens[u - 1] for u in seqs.users[rows]],
            "events": seqs.lengths[rows],
            "top_item": data.items.decode(top) if len(top) else [],
            "confidence": np.concatenate(confidence) if confidence else [],
            "surprise": np.concatenate(surprising) if surprising else np.nan,
        }
    )
    return frame.sort_values("confidence", ascending=False, ignore_index=True)
