"""Full-ranking offline evaluation, the same code for every model and baseline.

Each held-out target is ranked against the whole catalog (no sampled negatives), after
the model scored the user's last `max_len` events through `score_items`. Items in the
user's history can be excluded from the ranking (a shop rarely re-recommends what was
bought); when a target is itself in the history it then counts as a miss. Ties are
ranked pessimistically (the target goes after every item with the same score), so a
model that scores everything alike cannot look good by luck of index order.

Metrics, K in (5, 10, 20) by default: `HR@K` (hit rate = recall with one target),
`NDCG@K`, `MRR` (over the full ranking), `coverage@K` (share of the catalog appearing in
anybody's top K) and `popularity@K` (mean training count of the recommended items), plus
HR/NDCG/MRR per history-length bucket.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from seqrec_core.data.sequences import EvalExamples, Split, pad_left
from seqrec_core.models.base import Recommender

DEFAULT_KS = (5, 10, 20)
# History-length buckets (inclusive bounds; None = open-ended) for the breakdown.
_NO_LIMIT = 2**62
# Training-count buckets of the target item: how well rarely seen items are found; "0" is
# the cold bucket (targets never seen in training: new products).
TARGET_COUNT_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 0),
    (1, 4),
    (5, 19),
    (20, 99),
    (100, None),
)
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (1, 4),
    (5, 9),
    (10, 19),
    (20, 49),
    (50, None),
)


def pessimistic_zero_based_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among all items, ties counted against the target.

    Pessimistic on purpose: a model that scores every item alike ranks each target last,
    not first. Explanations show `explain.rescoring.optimistic_one_based_ranks` instead.

    Args:
        scores: (B, V) item scores (-inf for excluded items).
        targets: (B,) item index of each row's target.

    Returns:
        (B,) int64 ranks: 0 means the target is the single best-scored item.
    """
    target_scores = scores.gather(1, targets.unsqueeze(1))  # (B, 1)
    # Items scoring at least as high as the target, the target itself not counted. Summing
    # the comparison as uint8 into int32 is twice as fast as a bool sum on CPU.
    at_least = (scores >= target_scores).view(torch.uint8).sum(dim=1, dtype=torch.int32)
    return at_least.long() - 1


def interval_95(ranks: torch.Tensor, k: int) -> dict[str, float]:
    """Half-widths of the 95% normal intervals of `HR@k` and `NDCG@k` over these targets.

    What a test on a sample of shoppers adds beside its means: 1.96 standard errors of
    the per-target hit and gain.
    """
    if len(ranks) < 2:
        return {f"HR@{k} ±": math.nan, f"NDCG@{k} ±": math.nan}
    hits = (ranks < k).double()
    gains = torch.where(ranks < k, 1.0 / torch.log2(ranks.double() + 2.0), 0.0)
    scale = 1.96 / math.sqrt(len(ranks))
    return {f"HR@{k} ±": scale * hits.std().item(), f"NDCG@{k} ±": scale * gains.std().item()}


def hit_rate_at_k(ranks: torch.Tensor, k: int) -> float:
    """Share of targets ranked in the top `k`."""
    return (ranks < k).double().mean().item() if len(ranks) else 0.0


def ndcg_at_k(ranks: torch.Tensor, k: int) -> float:
    """Mean NDCG@k with one relevant item: 1 / log2(rank + 2) inside the top `k`, else 0."""
    if not len(ranks):
        return 0.0
    gains = 1.0 / torch.log2(ranks.double() + 2.0)
    return torch.where(ranks < k, gains, torch.zeros_like(gains)).mean().item()


def mean_reciprocal_rank(ranks: torch.Tensor) -> float:
    """Mean of 1 / (rank + 1) over the full ranking (not truncated at K)."""
    return (1.0 / (ranks.double() + 1.0)).mean().item() if len(ranks) else 0.0


def coverage_at_k(top_items: torch.Tensor, k: int, num_items: int) -> float:
    """Share of the `num_items` catalog items that appear in at least one top-`k` list."""
    return torch.unique(top_items[:, :k]).numel() / num_items


def popularity_at_k(top_items: torch.Tensor, k: int, popularity: torch.Tensor) -> float:
    """Mean popularity (training count) of the items in the top-`k` lists."""
    return popularity[top_items[:, :k]].double().mean().item() if len(top_items) else 0.0


def metrics_from_ranks(ranks: torch.Tensor, ks: Sequence[int] = DEFAULT_KS) -> dict[str, float]:
    """`HR@K`, `NDCG@K` for each K and `MRR` from (N,) target ranks."""
    metrics: dict[str, float] = {}
    for k in ks:
        metrics[f"HR@{k}"] = hit_rate_at_k(ranks, k)
        metrics[f"NDCG@{k}"] = ndcg_at_k(ranks, k)
    metrics["MRR"] = mean_reciprocal_rank(ranks)
    return metrics


def training_popularity(split: Split, num_items: int) -> torch.Tensor:
    """(num_items + 1,) training events per item, for `popularity@K`."""
    counts = torch.bincount(torch.from_numpy(split.train.items), minlength=num_items + 1)
    return counts.float()


def bucket_label(low: int, high: int | None) -> str:
    """`"5-9"`, `"50+"` or `"0"`."""
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


@dataclass(frozen=True)
class EvalResult:
    """Aggregate metrics, the per-length breakdown and per-example ranks and lists."""

    metrics: dict[str, float]
    by_history_length: dict[str, dict[str, float]]  # bucket → metrics and "examples"
    ranks: np.ndarray  # (N,) 0-based target ranks
    top_items: np.ndarray  # (N, max K) recommended item indices, best first
    # bucket of the target's training count → metrics; needs `item_popularity`
    by_target_count: dict[str, dict[str, float]] = field(default_factory=dict)


def _exclude(scores: torch.Tensor, examples: EvalExamples, rows: np.ndarray) -> None:
    """Set the scores of every history item of `rows` (one per score row) to -inf, in place."""
    history = examples.history
    starts, lengths = history.offsets[rows], history.lengths[rows]
    ends = np.cumsum(lengths)
    # Flat positions of every history event of these rows in `history.items`.
    flat = np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)
    which = np.repeat(np.arange(len(rows)), lengths)
    items = torch.from_numpy(history.items[flat]).to(scores.device)
    scores[torch.from_numpy(which).to(scores.device), items] = float("-inf")


@dataclass(frozen=True)
class RankedBatch:
    """One batch of examples ranked: their rows, target ranks and top items."""

    rows: np.ndarray  # (B,) example rows
    ranks: np.ndarray  # (B,) zero-based pessimistic rank of each target
    top_items: np.ndarray  # (B, K) the best K items of each


def ranking_order(examples: EvalExamples) -> np.ndarray:
    """The order examples are ranked in (by history length, so a batch shares its
    padding); fixed for the same examples, so a stopped ranking can go on where it was."""
    return np.argsort(examples.history.lengths, kind="stable")


@torch.inference_mode()
def rank_batches(
    model: Recommender,
    examples: EvalExamples,
    *,
    k_max: int,
    exclude_history: bool = True,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
    start: int = 0,
) -> Iterator[RankedBatch]:
    """Rank the examples' targets over the whole catalog, a batch at a time, in
    `ranking_order` from its `start`-th example (the ones before it are skipped)."""
    model.eval()
    max_len = model.config.max_len
    order = ranking_order(examples)
    for first in range(start, len(order), batch_size):
        rows = order[first : first + batch_size]
        batch = pad_left(examples.history, rows, max_len)
        batch = {key: value.to(device) for key, value in batch.items()}
        scores = model.score_items(**batch).float()  # (B, V)
        if exclude_history:
            _exclude(scores, examples, rows)
        scores[:, 0] = float("-inf")
        targets = torch.from_numpy(examples.targets[rows]).to(scores.device)
        yield RankedBatch(
            rows,
            pessimistic_zero_based_ranks(scores, targets).cpu().numpy(),
            scores.topk(k_max, dim=1).indices.cpu().numpy(),
        )


def top_k_max(ks: Sequence[int], num_items: int) -> int:
    """How many top items a ranking keeps for cut-offs `ks`."""
    return min(max(ks), num_items)


def evaluate(
    model: Recommender,
    examples: EvalExamples,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    exclude_history: bool = True,
    item_popularity: torch.Tensor | None = None,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
) -> EvalResult:
    """Rank every example's target over the whole catalog and summarise.

    Args:
        model: any recommender; it is switched to eval mode (dropout off).
        examples: histories and targets (a split's `valid` or `test`).
        ks: cut-offs for HR/NDCG/coverage/popularity.
        exclude_history: drop the user's own history items from the ranking.
        item_popularity: (V,) training count per item for `popularity@K`; omitted: no key.
        batch_size: examples scored at once (memory is batch_size × catalog floats).
        device: where the model lives; batches are moved there.

    Returns:
        An `EvalResult`; with no examples every metric is 0.
    """
    k_max = top_k_max(ks, model.config.num_items)
    ranks = np.zeros(len(examples), dtype=np.int64)
    top_items = np.zeros((len(examples), k_max), dtype=np.int64)
    for ranked in rank_batches(
        model, examples, k_max=k_max, exclude_history=exclude_history,
        batch_size=batch_size, device=device,
    ):  # fmt: skip
        ranks[ranked.rows], top_items[ranked.rows] = ranked.ranks, ranked.top_items
    return summarise(ranks, top_items, examples, model.config.num_items, ks, item_popularity)


def summarise(
    ranks: np.ndarray,
    top_items: np.ndarray,
    examples: EvalExamples,
    num_items: int,
    ks: Sequence[int] = DEFAULT_KS,
    item_popularity: torch.Tensor | None = None,
) -> EvalResult:
    """The `EvalResult` of every example's target rank and top items (`rank_batches`)."""
    all_ranks, top = torch.from_numpy(ranks), torch.from_numpy(top_items)
    metrics = metrics_from_ranks(all_ranks, ks)
    for k in ks:
        metrics[f"coverage@{k}"] = coverage_at_k(top, k, num_items)
        if item_popularity is not None:
            metrics[f"popularity@{k}"] = popularity_at_k(top, k, item_popularity.cpu())
    lengths = torch.from_numpy(examples.history.lengths)
    by_length = _breakdown(all_ranks, lengths, LENGTH_BUCKETS, ks)
    by_target = {}
    if item_popularity is not None:
        target_counts = item_popularity.cpu()[torch.from_numpy(examples.targets)]
        by_target = _breakdown(all_ranks, target_counts.long(), TARGET_COUNT_BUCKETS, ks)
    return EvalResult(metrics, by_length, ranks, top_items, by_target)


def _breakdown(
    ranks: torch.Tensor,
    values: torch.Tensor,
    buckets: tuple[tuple[int, int | None], ...],
    ks: Sequence[int],
) -> dict[str, dict[str, float]]:
    """HR/NDCG/MRR of the examples whose `values` fall in each (inclusive) bucket."""
    out = {}
    for low, high in buckets:
        inside = (values >= low) & (values <= (high if high is not None else _NO_LIMIT))
        if inside.any():
            bucket = metrics_from_ranks(ranks[inside], ks)
            out[bucket_label(low, high)] = {**bucket, "examples": float(inside.sum())}
    return out
