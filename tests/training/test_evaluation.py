"""Full-ranking metrics against hand-computed cases (the RecBole habit)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seqrec_core.data.sequences import EvalExamples, Sequences
from seqrec_core.models import PopConfig, PopRecommender
from seqrec_core.training.evaluation import (
    coverage_at_k,
    evaluate,
    hit_rate_at_k,
    interval_95,
    mean_reciprocal_rank,
    metrics_from_ranks,
    ndcg_at_k,
    pessimistic_zero_based_ranks,
    popularity_at_k,
)

INF = float("inf")
# Three rows over 5 items (+ padding column 0). Row 1 has a three-way tie at the target.
SCORES = torch.tensor(
    [
        [-INF, 0.9, 0.1, 0.5, 0.3, 0.7],  # target 3: 1 and 5 score higher → rank 2
        [-INF, 0.2, 0.2, 0.2, 0.8, 0.1],  # target 2: ties with 1 and 3 count against it → 3
        [-INF, 0.1, 0.2, 0.3, 0.4, 0.5],  # target 5: best → rank 0
    ]
)
TARGETS = torch.tensor([3, 2, 5])


def test_target_ranks_are_pessimistic_about_ties() -> None:
    assert pessimistic_zero_based_ranks(SCORES, TARGETS).tolist() == [2, 3, 0]


def test_metrics_by_hand() -> None:
    ranks = torch.tensor([2, 3, 0])
    assert hit_rate_at_k(ranks, 1) == pytest.approx(1 / 3)
    assert hit_rate_at_k(ranks, 3) == pytest.approx(2 / 3)
    assert hit_rate_at_k(ranks, 5) == pytest.approx(1.0)
    # NDCG@3: rank 2 gains 1/log2(4) = 0.5, rank 3 is outside, rank 0 gains 1.
    assert ndcg_at_k(ranks, 3) == pytest.approx((0.5 + 0.0 + 1.0) / 3)
    assert ndcg_at_k(ranks, 4) == pytest.approx((0.5 + 1 / math.log2(5) + 1.0) / 3)
    assert mean_reciprocal_rank(ranks) == pytest.approx((1 / 3 + 1 / 4 + 1) / 3)
    metrics = metrics_from_ranks(ranks, ks=(1, 3))
    assert set(metrics) == {"HR@1", "NDCG@1", "HR@3", "NDCG@3", "MRR"}
    assert metrics_from_ranks(torch.tensor([], dtype=torch.long), ks=(1,))["HR@1"] == 0.0


def test_coverage_and_popularity_by_hand() -> None:
    top = torch.tensor([[1, 5], [4, 1], [5, 4]])
    assert coverage_at_k(top, 1, num_items=5) == pytest.approx(3 / 5)  # {1, 4, 5}
    assert coverage_at_k(top, 2, num_items=5) == pytest.approx(3 / 5)
    popularity = torch.tensor([0.0, 10.0, 0.0, 0.0, 2.0, 4.0])
    assert popularity_at_k(top, 1, popularity) == pytest.approx((10 + 2 + 4) / 3)


def _pop_model() -> PopRecommender:
    """Popularity 1 > 2 > 3 > 4 > 5 (counts 50, 40, 30, 20, 10)."""
    model = PopRecommender(PopConfig(num_items=5, max_len=4))
    counts = [1] * 50 + [2] * 40 + [3] * 30 + [4] * 20 + [5] * 10
    model.fit(torch.tensor([0, len(counts)]), torch.tensor(counts))
    return model


def _examples(histories: list[list[int]], targets: list[int]) -> EvalExamples:
    items = np.array([i for h in histories for i in h], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum([len(h) for h in histories])]).astype(np.int64)
    seqs = Sequences(offsets, items, np.ones_like(items), np.arange(1, len(histories) + 1))
    return EvalExamples(seqs, np.array(targets, dtype=np.int64))


def test_evaluate_excludes_history_items_from_the_ranking() -> None:
    examples = _examples([[1, 2], [5], [3, 4, 3]], targets=[3, 1, 2])
    kept = evaluate(_pop_model(), examples, ks=(1, 3), exclude_history=False)
    assert kept.ranks.tolist() == [2, 0, 1]
    excluded = evaluate(_pop_model(), examples, ks=(1, 3), exclude_history=True)
    # Row 0: 1 and 2 removed → 3 is first. Row 2: 3 and 4 removed, 1 still beats 2.
    assert excluded.ranks.tolist() == [0, 0, 1]
    assert excluded.metrics["HR@1"] == pytest.approx(2 / 3)
    assert excluded.top_items[0].tolist() == [3, 4, 5]
    assert excluded.metrics["coverage@1"] == pytest.approx(2 / 5)  # {3, 1}


def test_a_target_inside_the_history_is_a_miss_when_history_is_excluded() -> None:
    examples = _examples([[4, 1]], targets=[1])
    assert evaluate(_pop_model(), examples, ks=(5,)).metrics["HR@5"] == 0.0


def test_breakdown_by_history_length() -> None:
    examples = _examples([[1], [1, 2, 3, 4, 5, 1]], targets=[2, 2])
    result = evaluate(_pop_model(), examples, ks=(1,), exclude_history=False)
    assert set(result.by_history_length) == {"1-4", "5-9"}
    assert result.by_history_length["1-4"]["examples"] == 1.0
    assert result.by_history_length["1-4"]["HR@1"] == 0.0  # rank 1 (after item 1)


def test_breakdown_by_how_often_the_target_was_seen_in_training() -> None:
    model = _pop_model()
    examples = _examples([[1], [1], [1]], targets=[2, 5, 3])
    counts = torch.tensor([0.0, 150, 40, 0, 20, 3])  # target 3 never seen, 5 seen 3 times
    result = evaluate(model, examples, ks=(1,), exclude_history=False, item_popularity=counts)
    assert set(result.by_target_count) == {"0", "1-4", "20-99"}  # "0": never seen
    assert result.by_target_count["0"]["examples"] == 1.0
    assert result.by_target_count["1-4"]["examples"] == 1.0
    assert result.by_target_count["20-99"]["HR@1"] == 0.0  # 2 ranks after item 1


def test_the_95_percent_interval_is_1_96_standard_errors_of_the_hits_and_gains() -> None:
    ranks = torch.tensor([0, 1, 30, 9, 10, 2, 500, 0])
    hits = (ranks < 10).double()
    gains = torch.where(ranks < 10, 1 / torch.log2(ranks.double() + 2), 0.0)
    interval = interval_95(ranks, 10)
    assert interval["HR@10 ±"] == pytest.approx(1.96 * hits.std().item() / math.sqrt(8))
    assert interval["NDCG@10 ±"] == pytest.approx(1.96 * gains.std().item() / math.sqrt(8))
    assert math.isnan(interval_95(ranks[:1], 10)["HR@10 ±"])
