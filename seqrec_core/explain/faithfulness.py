"""Do the explanations describe the model? Deletion curves, comprehensiveness, agreement.

- A *deletion curve* removes the events in the order an explanation ranks them (most
  positive attribution first) and re-scores after every removal (exactly, one batch for
  all methods and all random orders). A faithful explanation makes the target's score
  fall faster than random orders do: its *score drop* (mean over k = 1..L of
  score(0 removed) − score(k removed)) beats the mean of random orders' drops.
- *Comprehensiveness@k* (DeYoung et al., ERASER, ACL 2020) is the score drop after
  removing the top-k events; it is read off the deletion curve at k, and compared with
  random k-sets from the same curves.
- *Agreement* is Spearman's rank correlation between two methods' attributions over the
  events (ties share their mean rank); below three events it is undefined (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from seqrec_core.explain.rescoring import ScoreFn, optimistic_one_based_ranks, reduce_variants

COMPREHENSIVENESS_KS = (1, 3, 5)
RANDOM = "random"


@dataclass(frozen=True)
class DeletionCurves:
    """The target's score and rank while events are removed, per order.

    Attributes:
        scores: method → (L + 1,) score after removing its first k events, k = 0..L.
        ranks: method → (L + 1,) the target's rank alongside.
        random_scores: (R, L + 1) the same for R random orders.
        random_ranks: (R, L + 1).
    """

    scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    random_scores: np.ndarray
    random_ranks: np.ndarray

    @property
    def length(self) -> int:
        """Events in the sequence (L)."""
        return self.random_scores.shape[1] - 1

    def score_drop(self, method: str) -> float:
        """Mean over k = 1..L of score(0) − score(k) for `method` (or "random": the mean)."""
        curve = self.random_scores if method == RANDOM else self.scores[method][None, :]
        return float((curve[:, :1] - curve[:, 1:]).mean()) if self.length else 0.0

    def faithful(self, method: str) -> bool:
        """Whether `method`'s order lowers the score faster than random orders on average."""
        return self.score_drop(method) > self.score_drop(RANDOM)

    def comprehensiveness(self, ks: Sequence[int] = COMPREHENSIVENESS_KS) -> pd.DataFrame:
        """One row per method (and "random"): score drop after removing the top-k events.

        Columns `k=1`, `k=3`, ... (k capped at L) plus `score drop` (the curve's mean).
        """
        rows = []
        for method in [*self.scores, RANDOM]:
            curve = self.random_scores if method == RANDOM else self.scores[method][None, :]
            row: dict[str, object] = {"method": method}
            for k in ks:
                row[f"k={k}"] = float((curve[:, 0] - curve[:, min(k, self.length)]).mean())
            row["score drop"] = self.score_drop(method)
            rows.append(row)
        return pd.DataFrame(rows)

    def frame(self) -> pd.DataFrame:
        """Long format: `method`, `removed`, `score`, `rank` (random: mean over orders)."""
        removed = np.arange(self.length + 1)
        parts = [
            pd.DataFrame({"method": m, "removed": removed, "score": s, "rank": self.ranks[m]})
            for m, s in self.scores.items()
        ]
        parts.append(
            pd.DataFrame(
                {
                    "method": RANDOM,
                    "removed": removed,
                    "score": self.random_scores.mean(axis=0),
                    "rank": self.random_ranks.mean(axis=0),
                }
            )
        )
        return pd.concat(parts, ignore_index=True)


def deletion_order(attributions: np.ndarray) -> np.ndarray:
    """(L,) positions from most to least positive attribution (ties: newest first)."""
    reversed_order = np.argsort(-attributions[::-1], kind="stable")
    return len(attributions) - 1 - reversed_order


def _keep_masks(orders: np.ndarray) -> torch.Tensor:
    """(N, L) orders → (N * (L + 1), L) bool: row n * (L + 1) + k drops order n's first k."""
    count, length = orders.shape
    place = np.empty_like(orders)
    place[np.arange(count)[:, None], orders] = np.arange(length)[None, :]  # rank of each event
    removed = np.arange(length + 1)[None, :, None]  # (1, L + 1, 1)
    keep = place[:, None, :] >= removed  # (N, L + 1, L)
    return torch.from_numpy(keep.reshape(-1, length))


def deletion_curves(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    target: int,
    excluded: torch.Tensor,
    attributions: Mapping[str, np.ndarray],
    *,
    random_orders: int = 10,
    seed: int = 0,
) -> DeletionCurves:
    """Deletion curves of every method's order and of random orders, in one batch.

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) the sequence (the model's window); event_type_ids: (L,).
        target: the item index whose score is tracked.
        excluded: (V,) bool items never ranked.
        attributions: method → (L,) attribution per event.
        random_orders: how many random orders form the reference (≥ 1).
        seed: their seed.

    Returns:
        Scores and ranks after each removal, per method and per random order.
    """
    length = int(input_ids.shape[0])
    rng = np.random.default_rng(seed)
    methods = list(attributions)
    orders = [deletion_order(np.asarray(attributions[m])) for m in methods]
    orders += [rng.permutation(length) for _ in range(max(1, random_orders))]
    keep = _keep_masks(np.stack(orders))
    tracked = reduce_variants(
        score_fn,
        input_ids,
        event_type_ids,
        keep,
        lambda scores: _score_and_rank(scores, target, excluded),
    )
    own = tracked[:, 0].numpy().reshape(len(orders), length + 1)
    ranks = tracked[:, 1].numpy().astype(np.int64).reshape(len(orders), length + 1)
    count = len(methods)
    return DeletionCurves(
        scores={m: own[i] for i, m in enumerate(methods)},
        ranks={m: ranks[i] for i, m in enumerate(methods)},
        random_scores=own[count:],
        random_ranks=ranks[count:],
    )


def _score_and_rank(scores: torch.Tensor, target: int, excluded: torch.Tensor) -> torch.Tensor:
    """(R, 2) float64: the target's score and its optimistic 1-based rank in each row."""
    ranks = optimistic_one_based_ranks(scores, torch.tensor(target), excluded)
    return torch.stack([scores[:, target].double(), ranks.double()], dim=1)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of two (L,) vectors; NaN below 3 values or if constant."""
    if len(a) < 3:
        return float("nan")
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def agreement(attributions: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Methods × methods Spearman correlations of their attributions (1 on the diagonal)."""
    methods = list(attributions)
    values = [[spearman(attributions[a], attributions[b]) for b in methods] for a in methods]
    frame = pd.DataFrame(values, index=methods, columns=methods)
    for m in methods:
        frame.loc[m, m] = 1.0
    return frame


def agreement_pairs(attributions: Mapping[str, np.ndarray]) -> dict[str, float]:
    """`"ig~occlusion"` → Spearman correlation, for each pair of methods."""
    methods = list(attributions)
    return {
        f"{a}~{b}": spearman(attributions[a], attributions[b])
        for i, a in enumerate(methods)
        for b in methods[i + 1 :]
    }
