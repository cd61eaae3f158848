"""Integrated Gradients, occlusion, group ablation and attention on known answers.

Known answers on the linear toy (tests/toy_models.py), completeness on real models with
odd sizes (13 items, hidden 18, 3 heads, window 6) with event types and side features,
and occlusion against one-by-one brute-force re-scoring for every model family.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqrec_core.errors import ConfigError
from seqrec_core.explain import rescoring
from seqrec_core.explain.attention import attention_rollout, summarize_attention
from seqrec_core.explain.attributions import (
    group_ablation,
    integrated_gradients,
    mean_baselines,
    occlusion,
    weights_frozen,
)
from seqrec_core.explain.rescoring import (
    excluded_items,
    keep_batch,
    optimistic_one_based_ranks,
    reduce_variants,
    score_variants,
    top_items,
    top_variant_items,
)
from seqrec_core.models import Recommender, build_model
from tests.support.toy_models import linear_toy

NUM_ITEMS, MAX_LEN = 13, 6
FEATURES = {
    "use_event_types": True,
    "num_event_types": 3,
    "use_side_features": True,
    "num_feature_tokens": 5,
    "features_per_item": 2,
}
NEURAL = {
    "sasrec": {"hidden_size": 18, "num_heads": 3, "inner_size": 20, **FEATURES},
    "bert4rec": {"hidden_size": 18, "num_heads": 3, "inner_size": 20, **FEATURES},
    "gru4rec": {"embedding_size": 18, "hidden_size": 11, **FEATURES},
}
SEQUENCE = torch.tensor([3, 7, 7, 1, 12, 5, 9, 2])  # longer than every window
TYPES = torch.tensor([1, 2, 3, 1, 1, 2, 3, 1])


def _model(name: str) -> Recommender:
    torch.manual_seed(1)
    model = build_model(name, num_items=NUM_ITEMS, max_len=MAX_LEN, **NEURAL.get(name, {}))
    if name in NEURAL:
        model.set_item_features(torch.randint(0, 6, (NUM_ITEMS + 1, 2)))  # type: ignore[operator]
    else:  # count baselines: some transitions so scores depend on the history
        offsets = torch.tensor([0, 8, 14])
        items = torch.tensor([3, 7, 1, 12, 5, 9, 2, 4, 7, 1, 9, 2, 6, 5])
        model.fit(offsets, items)
    return model.eval()


def _batch(rows: int = 2) -> dict[str, torch.Tensor]:
    ids = torch.stack([SEQUENCE, torch.cat([torch.zeros(5, dtype=torch.long), SEQUENCE[-3:]])])
    types = torch.stack([TYPES, torch.cat([torch.zeros(5, dtype=torch.long), TYPES[-3:]])])
    return {
        "input_ids": ids[:rows],
        "attention_mask": (ids[:rows] > 0).long(),
        "event_type_ids": types[:rows],
    }


# -- Integrated Gradients ------------------------------------------------------------


@pytest.mark.parametrize("baseline", ["padding", "mean"])
def test_ig_on_a_linear_scorer_is_the_closed_form(baseline: str) -> None:
    """IG of a linear function from baseline b is exactly (x − b) · w, per part."""
    toy = linear_toy()
    ids, types = torch.tensor([[0, 4, 2, 9, 4, 1, 3]]), torch.tensor([[0, 1, 2, 2, 1, 1, 2]])
    batch = {"input_ids": ids, "attention_mask": (ids > 0).long(), "event_type_ids": types}
    bases = mean_baselines(toy.input_embeddings, 9, 2) if baseline == "mean" else None
    result = integrated_gradients(
        toy.scores_from_embeddings,
        toy.input_embeddings,
        batch,
        torch.tensor([5]),
        baselines=bases,
        n_steps=8,
    )
    w = toy.output[5].detach()
    real = (ids[0] > 0).double()
    with torch.no_grad():
        for part, table in (
            ("item", toy.item.weight[ids[0]]),
            ("event_type", toy.event_type.weight[types[0]]),
        ):
            base = bases[part] if bases else torch.zeros(5)
            expected = ((table - base) @ w).double() * real
            np.testing.assert_allclose(result.parts[part][0], expected.numpy(), atol=1e-5)
    assert result.parts["item"][0, 0] == 0.0  # padding gets nothing
    assert abs(result.convergence_delta[0]) < 1e-4
    assert result.baseline == baseline


@pytest.mark.parametrize("name", list(NEURAL))
@pytest.mark.parametrize("baseline", ["padding", "mean"])
def test_ig_is_complete_on_real_models(name: str, baseline: str) -> None:
    """Attributions sum to score(input) − score(baseline); Captum's delta says how far off."""
    model = _model(name)
    batch = _batch()
    bases = mean_baselines(model.input_embeddings, NUM_ITEMS, 3) if baseline == "mean" else None
    result = integrated_gradients(
        model.scores_from_embeddings,
        model.input_embeddings,
        batch,
        torch.tensor([4, 11]),
        baselines=bases,
        n_steps=64,
    )
    assert set(result.parts) == {"item", "features", "event_type"}
    gap = result.scores - result.baseline_scores
    np.testing.assert_allclose(result.total.sum(axis=1), gap, atol=1e-3 + 1e-2 * np.abs(gap).max())
    np.testing.assert_allclose(result.total.sum(axis=1) - gap, result.convergence_delta, atol=1e-5)
    with torch.no_grad():
        direct = model.score_items(**batch)[[0, 1], [4, 11]].double().numpy()
    np.testing.assert_allclose(result.scores, direct, atol=1e-5)
    width = result.total.shape[1]
    assert width == getattr(model, "history_window", MAX_LEN)
    assert np.all(result.total[1, : width - 3] == 0.0)  # padding columns


def test_ig_with_frozen_weights_is_the_same_and_restores_them() -> None:
    """IG runs with the weights frozen (half the autograd work); the attributions do not
    change, and afterwards exactly the weights that required gradients do again."""
    model = _model("sasrec")
    first = next(model.parameters())
    first.requires_grad_(False)  # one already frozen: it must stay so
    tracked = [p.requires_grad for p in model.parameters()]

    def run():
        return integrated_gradients(
            model.scores_from_embeddings,
            model.input_embeddings,
            _batch(),
            torch.tensor([4, 11]),
            n_steps=16,
        )

    plain = run()
    with weights_frozen(model):
        assert not any(p.requires_grad for p in model.parameters())
        frozen = run()
    assert [p.requires_grad for p in model.parameters()] == tracked
    for part in plain.parts:
        np.testing.assert_allclose(frozen.parts[part], plain.parts[part], atol=1e-6)
    np.testing.assert_allclose(frozen.convergence_delta, plain.convergence_delta, atol=1e-6)
    with pytest.raises(RuntimeError), weights_frozen(model):
        raise RuntimeError("an explainer failed")
    assert [p.requires_grad for p in model.parameters()] == tracked


def test_ig_rejects_a_single_step() -> None:
    toy = linear_toy()
    with pytest.raises(ConfigError, match="n_steps"):
        integrated_gradients(
            toy.scores_from_embeddings,
            toy.input_embeddings,
            _batch(1),
            torch.tensor([1]),
            n_steps=1,
        )


@pytest.mark.parametrize("name", ["bert4rec", "gru4rec"])
def test_scores_from_embedding_parts_match_score_items(name: str) -> None:
    model = _model(name)
    batch = _batch()
    with torch.no_grad():
        parts = model.input_embeddings(batch["input_ids"], batch["event_type_ids"])
        width = parts["item"].shape[1]
        again = model.scores_from_embeddings(
            sum(parts.values()), batch["attention_mask"][:, -width:]
        )
        direct = model.score_items(**batch)
    torch.testing.assert_close(again, direct)


# -- occlusion and groups -------------------------------------------------------------


def _brute_force(
    model: Recommender, ids: torch.Tensor, types: torch.Tensor, drop: list[int]
) -> torch.Tensor:
    keep = [i for i in range(len(ids)) if i not in drop]
    with torch.no_grad():
        return model.score_items(
            ids[keep][None], torch.ones(1, len(keep), dtype=torch.long), types[keep][None]
        )[0]


@pytest.mark.parametrize("name", [*NEURAL, "cooc", "pop"])
def test_occlusion_equals_one_by_one_rescoring(name: str) -> None:
    model = _model(name)
    ids, types = SEQUENCE[-MAX_LEN + 1 :], TYPES[-MAX_LEN + 1 :]  # within every window
    result = occlusion(model.score_items, ids, types, target=6)
    full = _brute_force(model, ids, types, [])[6]
    expected = [float(full - _brute_force(model, ids, types, [i])[6]) for i in range(len(ids))]
    np.testing.assert_allclose(result.attributions, expected, atol=1e-5)
    assert result.score == pytest.approx(float(full), abs=1e-6)
    if name == "pop":
        assert np.all(result.attributions == 0)


def test_occlusion_of_a_linear_scorer_is_each_events_contribution() -> None:
    toy = linear_toy()
    ids, types = torch.tensor([4, 2, 9, 4, 1]), torch.tensor([1, 2, 2, 1, 1])
    result = occlusion(toy.score_items, ids, types, target=3)
    np.testing.assert_allclose(
        result.attributions, toy.contributions(ids, types, 3).numpy(), atol=1e-5
    )


def test_group_ablation_removes_every_event_of_the_group() -> None:
    model = _model("sasrec")
    ids, types = SEQUENCE[-5:], TYPES[-5:]
    groups = {
        "brand: A": torch.tensor([True, False, True, False, False]),
        "brand: B": torch.tensor([False, True, False, True, True]),
    }
    excluded = torch.zeros(NUM_ITEMS + 1, dtype=torch.bool)
    excluded[0] = True
    effects = group_ablation(model.score_items, ids, types, groups, target=8, excluded=excluded)
    full = _brute_force(model, ids, types, [])
    for row, drop in enumerate(([0, 2], [1, 3, 4])):
        without = _brute_force(model, ids, types, drop)
        assert effects.attributions[row] == pytest.approx(float(full[8] - without[8]), abs=1e-5)
        assert effects.top_items[row] == int(without[1:].argmax()) + 1
        assert effects.ranks[row] == int((without[1:] > without[8]).sum()) + 1
    assert list(effects.events) == [2, 3]


# -- re-scoring helpers ----------------------------------------------------------------


def test_keep_batch_left_pads_the_kept_events_in_order() -> None:
    ids, types = torch.tensor([5, 6, 7, 8]), torch.tensor([1, 2, 1, 2])
    keep = torch.tensor([[True, False, True, True], [False, False, False, True], [True] * 4])
    batch = keep_batch(ids, types, keep)
    assert batch["input_ids"].tolist() == [[0, 5, 7, 8], [0, 0, 0, 8], [5, 6, 7, 8]]
    assert batch["event_type_ids"].tolist() == [[0, 1, 1, 2], [0, 0, 0, 2], [1, 2, 1, 2]]
    assert batch["attention_mask"].tolist() == [[0, 1, 1, 1], [0, 0, 0, 1], [1, 1, 1, 1]]


def test_ranks_and_top_items_skip_excluded_items() -> None:
    scores = torch.tensor(
        [[float("-inf"), 3.0, 5.0, 1.0, 4.0], [float("-inf"), 0.0, 1.0, 2.0, 3.0]]
    )
    excluded = torch.tensor([True, False, True, False, False])  # padding and item 2
    assert optimistic_one_based_ranks(scores, torch.tensor(1), excluded).tolist() == [2, 3]
    assert optimistic_one_based_ranks(scores, torch.tensor([2, 4]), excluded).tolist() == [
        1,
        1,
    ]  # the target itself always ranks
    assert top_items(scores, excluded, 2).tolist() == [[4, 1], [4, 3]]


# -- attention --------------------------------------------------------------------------


def test_rollout_known_answers() -> None:
    identity = np.eye(3)[None]  # one head attending to itself
    np.testing.assert_allclose(attention_rollout([identity, identity]), np.eye(3))
    causal_uniform = np.array([[[1.0, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]])
    mixed = 0.5 * causal_uniform[0] + 0.5 * np.eye(3)
    np.testing.assert_allclose(attention_rollout([causal_uniform]), mixed)
    np.testing.assert_allclose(attention_rollout([causal_uniform] * 2), mixed @ mixed)


@pytest.mark.parametrize("name", ["sasrec", "bert4rec"])
def test_attention_summary_of_the_final_position(name: str) -> None:
    model = _model(name)
    window = getattr(model, "history_window", MAX_LEN)
    ids, types = SEQUENCE[-window:], TYPES[-window:]
    summary = summarize_attention(model.attention_maps, ids, types)
    extra = 1 if name == "bert4rec" else 0
    assert summary.extra_slots == extra
    assert len(summary.layers) == 2 and summary.layers[0].shape == (
        3,
        window + extra,
        window + extra,
    )
    assert summary.final.shape == (window,) and summary.final_rollout.shape == (window,)
    last = summary.layers[-1].mean(axis=0)[-1]
    np.testing.assert_allclose(summary.final, last[:window])
    np.testing.assert_allclose(summary.rollout.sum(axis=1), 1.0, atol=1e-9)
    if name == "sasrec":  # causal: the final position's weights over the events sum to 1
        assert summary.final.sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", [*NEURAL, "cooc"])
def test_score_variants_scores_each_variant_once_trimmed_and_in_order(name: str) -> None:
    """Duplicates scored once and padding trimmed per chunk change no score: every row
    equals the same variant scored alone at the full window width."""
    model = _model(name)
    ids, types = SEQUENCE[-MAX_LEN + 1 :], TYPES[-MAX_LEN + 1 :]
    generator = torch.Generator().manual_seed(4)
    keep = torch.rand(9, len(ids), generator=generator) > 0.5
    keep = torch.cat([keep, keep[:3], torch.zeros(1, len(ids), dtype=torch.bool)])  # repeats
    scores = score_variants(model.score_items, ids, types, keep, chunk_rows=4)
    assert scores.shape == (len(keep), NUM_ITEMS + 1)
    for row in range(len(keep)):
        batch = keep_batch(ids, types, keep[row : row + 1])  # the full width, left-padded
        with torch.no_grad():
            alone = model.score_items(**batch)[0].float()
        np.testing.assert_allclose(scores[row, 1:], alone[1:], atol=1e-5)


def test_chunks_hold_at_most_the_score_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a budget of 3 rows of scores, variants go 2 (the first, to learn the width),
    then 3 at a time; the scores are those of one pass over them all."""
    model = _model("sasrec")
    ids, types = SEQUENCE[-MAX_LEN + 1 :], TYPES[-MAX_LEN + 1 :]
    keep = torch.rand(13, len(ids), generator=torch.Generator().manual_seed(6)) > 0.5
    keep[:, 0] = torch.arange(13) % 2 == 0  # 13 distinct variants
    keep[:, 1] = torch.arange(13) % 4 < 2
    keep[:, 2] = torch.arange(13) % 8 < 4
    keep[:, 3] = torch.arange(13) < 8
    seen: list[int] = []

    def recorded(*columns: torch.Tensor) -> torch.Tensor:
        seen.append(len(columns[0]))
        return model.score_items(*columns)

    whole = score_variants(model.score_items, ids, types, keep)
    row_bytes = (NUM_ITEMS + 1) * 4
    monkeypatch.setattr(rescoring, "CHUNK_SCORE_BYTES", 3 * row_bytes)
    monkeypatch.setattr(rescoring, "_FIRST_CHUNK", 2)
    chunked = score_variants(recorded, ids, types, keep)
    assert seen == [2, 3, 3, 3, 2]
    np.testing.assert_allclose(chunked.numpy(), whole.numpy(), atol=1e-5)
    seen.clear()
    score_variants(recorded, ids, types, keep, chunk_rows=1)  # the caller's cap wins
    assert seen == [1] * 13


@pytest.mark.parametrize("name", ["sasrec", "cooc"])
def test_reduced_variants_equal_the_reduction_of_all_scores(name: str) -> None:
    """Reducing chunk by chunk (repeats, chunks of 3) gives what reducing the whole (K, V)
    matrix gives, row for row in the order of `keep`."""
    model = _model(name)
    ids, types = SEQUENCE[-MAX_LEN + 1 :], TYPES[-MAX_LEN + 1 :]
    generator = torch.Generator().manual_seed(5)
    keep = torch.rand(8, len(ids), generator=generator) > 0.4
    keep = torch.cat([keep[:2], keep, keep[5:], torch.ones(1, len(ids), dtype=torch.bool)])
    excluded = excluded_items(NUM_ITEMS + 1, ids, exclude_seen=True)
    every = score_variants(model.score_items, ids, types, keep)

    def target_and_best(scores: torch.Tensor) -> torch.Tensor:
        return torch.stack([scores[:, 7], scores.argmax(dim=1).float()], dim=1)

    reduced = reduce_variants(model.score_items, ids, types, keep, target_and_best, chunk_rows=3)
    np.testing.assert_allclose(reduced.numpy(), target_and_best(every).numpy(), atol=1e-5)
    top = top_variant_items(model.score_items, ids, types, keep, excluded, k=3)
    assert top.shape == (len(keep), 3)
    assert torch.equal(top, top_items(every, excluded, 3))
