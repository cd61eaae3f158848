"""Hybrid text relevance: lexical (BM25) and dense (cosine) scores fused into one per item.

The candidates of a query are the items it matches: a BM25 score above zero, or one of the
`DENSE_TOP_N` items nearest in meaning whose cosine reaches `DENSE_FLOOR` (so a query that
means nothing to the catalog matches nothing, and says so). Two fusions are implemented:

- `minmax_fusion`: each signal min-max scaled to [0, 1] over the candidates, then averaged
  (`LEXICAL_SHARE` on BM25).
- `rank_fusion`: reciprocal rank fusion, Σ 1 / (60 + rank) over the signals that rank the item.

`FUSION` is the one search uses: min-max. `benchmarks/search.py --fusion` measured both with
`search.evaluation` (test NDCG@10, the benchmark's SASRec runs): text alone 0.320 (min-max)
vs 0.313 (rank) and blended 0.603 vs 0.575 on the bundled sample; text alone 0.259 for both
and blended 0.489 vs 0.480 on UCI Online Retail. Min-max keeps how much better one match is
than the next, which ranks throw away, and its [0, 1] scale is what the blend needs anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

FUSION = "minmax"  # "minmax" or "rank"; see the module docstring for the measurement
DENSE_TOP_N = 100  # nearest items by meaning that may join the candidates
DENSE_FLOOR = 0.3  # least cosine for a dense candidate (unrelated all-MiniLM texts: ~0.0-0.2)
LEXICAL_SHARE = 0.5  # weight of BM25 in min-max fusion
RRF_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass(frozen=True)
class TextRelevance:
    """Text relevance of every item for a batch of queries."""

    scores: np.ndarray  # (Q, V) float32 fused relevance; 0 outside the candidates
    candidates: np.ndarray  # (Q, V) bool: the items each query matches
    lexical: np.ndarray  # (Q, V) float32 BM25 scores


def minmax_over(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(Q, V) scores scaled to [0, 1] over each row's `mask`ed items, 0 elsewhere.

    A row whose masked items all score alike gives each of them 1.
    """
    scores = np.asarray(scores, dtype=np.float32)
    low = np.where(mask, scores, np.inf).min(axis=1, keepdims=True)  # (Q, 1)
    high = np.where(mask, scores, -np.inf).max(axis=1, keepdims=True)  # (Q, 1)
    span = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(span > 0, (scores - low) / np.where(span > 0, span, 1.0), 1.0)
    return np.where(mask, scaled, 0.0).astype(np.float32)


def candidate_mask(lexical: np.ndarray, dense: np.ndarray | None) -> np.ndarray:
    """(Q, V) the items each query matches: BM25 > 0, or near in meaning (see module doc)."""
    matched = lexical > 0
    if dense is not None and dense.shape[1] > 1:
        top_n = min(DENSE_TOP_N, dense.shape[1] - 1)
        nearest = np.argpartition(-dense, top_n - 1, axis=1)[:, :top_n]  # (Q, N)
        near = np.zeros_like(matched)
        np.put_along_axis(near, nearest, True, axis=1)
        matched |= near & (dense >= DENSE_FLOOR)
    matched[:, 0] = False  # padding
    return matched


def minmax_fusion(
    lexical: np.ndarray, dense: np.ndarray | None, candidates: np.ndarray
) -> np.ndarray:
    """(Q, V) LEXICAL_SHARE · scaled BM25 + (1 − LEXICAL_SHARE) · scaled cosine."""
    scaled = minmax_over(lexical, candidates)
    if dense is None:
        return scaled
    fused = LEXICAL_SHARE * scaled + (1 - LEXICAL_SHARE) * minmax_over(dense, candidates)
    return fused.astype(np.float32)


def rank_fusion(
    lexical: np.ndarray, dense: np.ndarray | None, candidates: np.ndarray
) -> np.ndarray:
    """(Q, V) Σ 1 / (RRF_K + rank) over BM25 (items with a score) and cosine (candidates)."""
    fused = np.zeros(lexical.shape, dtype=np.float32)
    signals = [(lexical, lexical > 0)] + ([(dense, candidates)] if dense is not None else [])
    for scores, ranked in signals:
        ranks = rankdata(-np.where(ranked, scores, -np.inf), axis=1, method="min")  # 1 = best
        fused += np.where(ranked, 1.0 / (RRF_K + ranks), 0.0).astype(np.float32)
    return np.where(candidates, fused, 0.0).astype(np.float32)


def fuse(lexical: np.ndarray, dense: np.ndarray | None, *, method: str = FUSION) -> TextRelevance:
    """The text relevance of a batch of queries from their BM25 (Q, V) and cosine (Q, V)."""
    candidates = candidate_mask(lexical, dense)
    fusion = rank_fusion if method == "rank" else minmax_fusion
    return TextRelevance(fusion(lexical, dense, candidates), candidates, lexical)
