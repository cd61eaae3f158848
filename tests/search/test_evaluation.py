"""Search evaluation: its ranks are the engine's own lists, the weight is chosen on validation."""

from __future__ import annotations

import numpy as np
import pytest

from seqrec_core.recommend.recommender import Event
from seqrec_core.search.evaluation import KINDS, _batch_ranks, evaluate_search
from seqrec_core.search.personalize import WEIGHTS
from seqrec_core.search.queries import example_queries
from tests.search.conftest import Shop


@pytest.fixture(scope="module")
def result(tiny: Shop):  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    out = evaluate_search(tiny.workspace, tiny.engine, progress=lambda d, t: seen.append((d, t)))
    return out, seen


def test_three_rankings_and_the_weight_chosen_on_validation(result) -> None:  # type: ignore[no-untyped-def]
    evaluation, seen = result
    assert set(evaluation.metrics) == set(KINDS)
    for metrics in evaluation.metrics.values():
        assert set(metrics) == {"HR@10", "NDCG@10", "MRR"}
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    valid, test = evaluation.ndcg_by_weight["valid"], evaluation.ndcg_by_weight["test"]
    assert evaluation.weight in WEIGHTS and valid[evaluation.weight] == max(valid.values())
    assert evaluation.metrics["text"]["NDCG@10"] == test[0.0]
    assert evaluation.metrics["model"]["NDCG@10"] == test[1.0]
    assert evaluation.metrics["blend"]["NDCG@10"] == test[evaluation.weight]
    assert evaluation.examples == 29 and evaluation.query_sources == {"category": 29}
    assert seen[-1] == (58, 58)  # 29 validation + 29 test examples
    assert (
        "held-out" in evaluation.protocol and f"w = {evaluation.weight:.1f}" in evaluation.protocol
    )


def test_the_ranks_are_the_places_in_the_engines_own_lists(tiny: Shop) -> None:
    engine = tiny.engine
    loaded = engine.recommender.loaded
    test = loaded.prepared.split.test
    queries, _ = example_queries(
        tiny.workspace, loaded, engine.recommender.table, test, engine.lexical.words
    )
    rows = np.arange(6)
    ranks = _batch_ranks(engine, test, rows, [queries[r] for r in rows])  # (weights, rows)
    tokens = loaded.prepared.data.items.tokens
    for r in rows:
        start, end = test.history.offsets[r], test.history.offsets[r + 1]
        history = tuple(Event(tokens[i - 1]) for i in test.history.items[start:end])
        types = loaded.prepared.data.event_types.decode(test.history.event_types[start:end])
        history = tuple(Event(e.item_id, t) for e, t in zip(history, types, strict=True))
        target = tokens[test.targets[r] - 1]
        for w in (0, 3, 10):
            listed = engine.search(queries[r], history, personalization=WEIGHTS[w], k=100)
            place = (
                [h.item_id for h in listed.items].index(target)
                if target in [h.item_id for h in listed.items]
                else len(tokens)
            )
            assert ranks[w, r] == place, (r, WEIGHTS[w])


def test_a_sample_is_seeded(tiny: Shop) -> None:
    first = evaluate_search(tiny.workspace, tiny.engine, max_examples=11, seed=3)
    again = evaluate_search(tiny.workspace, tiny.engine, max_examples=11, seed=3)
    assert first.examples == 11 and first.metrics == again.metrics
