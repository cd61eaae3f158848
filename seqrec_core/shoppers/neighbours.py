"""Nearest neighbours by cosine over shopper vectors: exact (torch), or approximate above
`shopper_index.EXACT_LIMIT` shoppers.

`top_k_cosine` compares query vectors with an index of vectors, both of length 1, in
chunks so that no more than `_CELLS` similarities exist at once, whatever the sizes; the
exact search answers one shopper among 100k in a few milliseconds on a laptop CPU
(`benchmarks/shoppers.py` and `benchmarks/shopper_index.py` measure it up to millions).
`similar_shoppers` is the "shoppers like this one" list; for a shop above the limit it
asks the run's faiss index (`shopper_index`), built on first use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from seqrec_core.errors import InputError
from seqrec_core.shoppers import shopper_index
from seqrec_core.shoppers.representations import ShopperVectors

_CELLS = 1 << 24  # similarities held at once (64 MiB of float32)


def top_k_cosine(
    index: torch.Tensor,
    queries: torch.Tensor,
    k: int,
    excluded: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The `k` most similar index rows of every query, best first.

    Args:
        index: (N, D) unit vectors.
        queries: (Q, D) unit vectors.
        k: how many neighbours per query (fewer when fewer rows are allowed).
        excluded: (N,) bool, rows never returned.

    Returns:
        (Q, k') cosine similarities and (Q, k') index rows, k' = min(k, allowed rows).
    """
    allowed = index.shape[0] - (int(excluded.sum()) if excluded is not None else 0)
    k = max(0, min(k, allowed))
    out_scores = torch.empty((queries.shape[0], k))
    out_rows = torch.empty((queries.shape[0], k), dtype=torch.long)
    if k == 0 or queries.shape[0] == 0:
        return out_scores, out_rows
    q_step = max(1, min(queries.shape[0], _CELLS // max(index.shape[0], 1)))
    n_step = max(k, _CELLS // q_step)
    for q0 in range(0, queries.shape[0], q_step):
        block = queries[q0 : q0 + q_step]  # (q, D)
        best_s = torch.full((block.shape[0], 0), float("-inf"))
        best_r = torch.zeros((block.shape[0], 0), dtype=torch.long)
        for n0 in range(0, index.shape[0], n_step):
            sims = block @ index[n0 : n0 + n_step].T  # (q, n)
            if excluded is not None:
                sims[:, excluded[n0 : n0 + n_step]] = float("-inf")
            top = sims.topk(min(k, sims.shape[1]), dim=1)
            best_s = torch.cat([best_s, top.values], dim=1)
            best_r = torch.cat([best_r, top.indices + n0], dim=1)
            keep = best_s.topk(min(k, best_s.shape[1]), dim=1)
            best_s, best_r = keep.values, best_r.gather(1, keep.indices)
        out_scores[q0 : q0 + len(block)] = best_s
        out_rows[q0 : q0 + len(block)] = best_r
    return out_scores, out_rows


def row_of(vectors: ShopperVectors, user: str) -> int:
    """The row of `user`.

    Raises:
        InputError: the run has no such shopper.
    """
    row = vectors.rows.get(user)
    if row is None:
        examples = ", ".join(vectors.users[:3])
        raise InputError(
            f"shopper {user!r} is not in this run",
            hint=f"use a shopper id as it appears in the events file (e.g. {examples})",
        )
    return row


def similar_shoppers(
    vectors: ShopperVectors, user: str, k: int = 10, *, exact: bool | None = None
) -> pd.DataFrame:
    """The `k` shoppers most like `user` (never the shopper themself).

    Args:
        exact: exact search (True), the approximate index (False), or by the shop's size
            (None: exact up to `shopper_index.EXACT_LIMIT` shoppers).

    Returns:
        `user_id`, `score` (cosine similarity, -1..1) and `rank` (1-based), best first.

    Raises:
        InputError: the run has no such shopper.
    """
    row = row_of(vectors, user)
    unit = vectors.unit
    if exact is None:
        exact = len(vectors) <= shopper_index.EXACT_LIMIT
    if exact:
        excluded = torch.zeros(len(vectors), dtype=torch.bool)
        excluded[row] = True
        found_scores, found_rows = top_k_cosine(unit, unit[row : row + 1], k, excluded)
        scores, rows = found_scores[0].numpy(), found_rows[0].tolist()
    else:
        query = unit[row : row + 1].numpy()
        found_scores, found_rows = vectors.index.search(query, k, np.array([row]))
        scores, rows = found_scores[0], found_rows[0].tolist()
    return pd.DataFrame(
        {
            "user_id": [vectors.users[r] for r in rows],
            "score": np.asarray(scores, dtype=float),
            "rank": np.arange(1, len(rows) + 1),
        }
    )
