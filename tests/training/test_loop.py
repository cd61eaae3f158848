"""The training loop on the bundled sample shop: it learns, stops, resumes and saves.

The sample shop's planted chains (camera → memory card → tripod, …) are sequential
signal that popularity cannot see, so a small SASRec must beat `pop` within a few epochs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec_core.data.prepare import Prepared, build_model_for, prepare_frames
from seqrec_core.data.sequences import pad_left
from seqrec_core.models.checkpoint import load_checkpoint
from seqrec_core.training.devices import seed_everything
from seqrec_core.training.evaluation import evaluate, training_popularity
from seqrec_core.training.loop import TrainConfig, train

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
SMALL = {"hidden_size": 32, "num_heads": 2, "inner_size": 64, "max_len": 30}


@pytest.fixture(scope="module")
def shop() -> Prepared:
    events = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str)
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    return prepare_frames(events, pd.read_csv(SAMPLE / "items.csv", dtype=str))


def _sasrec(shop: Prepared, **overrides: object):
    seed_everything(0)
    return build_model_for("sasrec", shop.data, shop.features, **{**SMALL, **overrides})


def test_sasrec_learns_the_planted_rules_and_beats_popularity(
    shop: Prepared, tmp_path: Path
) -> None:
    config = TrainConfig(epochs=4, device="cpu", batch_size=64)
    result = train(_sasrec(shop), shop.split, config, out_dir=tmp_path, vocabs=shop.vocabs())
    losses = [record.loss for record in result.history]
    assert losses[-1] < losses[0] * 0.9
    pop = train(build_model_for("pop", shop.data), shop.split, config)
    sasrec_test = evaluate(result.model, shop.split.test).metrics
    pop_test = evaluate(pop.model, shop.split.test).metrics
    assert sasrec_test["NDCG@10"] > 1.5 * pop_test["NDCG@10"], (sasrec_test, pop_test)
    assert result.stopped_by == "epochs" and result.best_epoch >= 1

    # The best checkpoint on disk scores exactly like the returned model.
    loaded = load_checkpoint(tmp_path / "best")
    assert loaded.vocabs["items"] == shop.data.items
    batch = pad_left(shop.split.test.history, list(range(50)), SMALL["max_len"])
    with torch.no_grad():
        torch.testing.assert_close(
            loaded.model.score_items(**batch), result.model.score_items(**batch)
        )
    assert loaded.extra["epoch"] == result.best_epoch


def test_cpu_training_is_reproducible(shop: Prepared) -> None:
    config = TrainConfig(epochs=1, device="cpu", seed=3)
    first = train(_sasrec(shop), shop.split, config)
    second = train(_sasrec(shop), shop.split, config)
    assert first.history[0].loss == second.history[0].loss
    assert first.best_metrics == second.best_metrics


def test_time_budget_and_cancel_end_the_loop(shop: Prepared) -> None:
    budget = train(
        _sasrec(shop), shop.split, TrainConfig(epochs=50, max_minutes=0.01, device="cpu")
    )
    assert budget.stopped_by == "time budget" and len(budget.history) == 1
    polls = iter(range(1_000_000))
    cancelled = train(
        _sasrec(shop),
        shop.split,
        TrainConfig(epochs=50, device="cpu"),
        should_stop=lambda: next(polls) >= 5,  # the 6th step asks to stop
    )
    assert cancelled.stopped_by == "cancelled" and cancelled.history == []


def test_progress_events_report_steps_epochs_and_done(shop: Prepared) -> None:
    events = []
    train(
        _sasrec(shop),
        shop.split,
        TrainConfig(epochs=2, device="cpu", log_every=10),
        callback=events.append,
    )
    kinds = [e.kind for e in events]
    assert kinds[-1] == "done" and kinds.count("epoch") == 2 and "step" in kinds
    step = next(e for e in events if e.kind == "step")
    assert step.examples_per_s > 0 and step.eta_s is not None and math.isfinite(step.loss)
    assert set(events[-1].metrics or {}) >= {"NDCG@10", "HR@10", "coverage@10"}


def test_learning_rate_decays_on_a_validation_plateau(shop: Prepared) -> None:
    """A rate too small to change any ranking: every validation after the first is a
    plateau, so the rate is cut by `lr_decay` after each `lr_decay_patience` of them."""
    events = []
    config = TrainConfig(
        epochs=3, device="cpu", learning_rate=1e-7, lr_decay_patience=1, lr_decay=0.5
    )
    train(_sasrec(shop), shop.split, config, callback=events.append)
    rates = [e.learning_rate for e in events if e.kind == "epoch"]
    assert rates == pytest.approx([1e-7, 5e-8, 2.5e-8])


def test_weight_averaging_validates_and_keeps_the_average(shop: Prepared) -> None:
    """An average that barely moves (decay 0.99999) keeps almost the initial weights: its
    validation is far below the raw weights', and the returned model is that average."""
    config = TrainConfig(epochs=1, device="cpu")
    raw = train(_sasrec(shop), shop.split, config)
    initial = _sasrec(shop)
    averaged = train(
        _sasrec(shop), shop.split, TrainConfig(epochs=1, device="cpu", ema_decay=0.99999)
    )
    assert averaged.best_metrics["NDCG@10"] < 0.5 * raw.best_metrics["NDCG@10"]
    weight = "embeddings.item.weight"

    def drift(result) -> float:  # how far training moved the item table from its init
        return (result.model.state_dict()[weight] - initial.state_dict()[weight]).abs().max()

    # The average starts at the weights after the first step, then hardly moves.
    assert drift(averaged) < 0.1 * drift(raw)


def test_validation_reads_a_fixed_sample_and_a_sample_of_everyone_is_everyone(
    shop: Prepared,
) -> None:
    valid, everyone = shop.split.valid, len(shop.split.valid)
    model = build_model_for("pop", shop.data)
    full = train(model, shop.split, TrainConfig(device="cpu", valid_sample=0)).best_metrics
    same = train(model, shop.split, TrainConfig(device="cpu", valid_sample=everyone))
    assert same.best_metrics == full

    sample = valid.sample(300, seed=0)
    assert sample.history.users.tolist() == valid.sample(300, seed=0).history.users.tolist()
    rows = np.flatnonzero(np.isin(valid.history.users, sample.history.users))
    assert len(sample) == len(rows) == 300
    assert sample.targets.tolist() == valid.targets[rows].tolist()
    assert sample.history.row(7).tolist() == valid.history.row(rows[7]).tolist()
    sampled = train(model, shop.split, TrainConfig(device="cpu", valid_sample=300)).best_metrics
    popularity = training_popularity(shop.split, model.config.num_items)
    assert sampled == evaluate(model, sample, item_popularity=popularity).metrics
    assert sampled != full


def test_sasrec_also_learns_with_the_sampled_softmax(shop: Prepared) -> None:
    config = TrainConfig(epochs=3, device="cpu", batch_size=64)
    model = _sasrec(shop, loss="sampled_softmax", num_negatives=64)
    result = train(model, shop.split, config)
    pop = evaluate(
        train(build_model_for("pop", shop.data), shop.split, config).model, shop.split.test
    )
    sasrec = evaluate(result.model, shop.split.test)
    assert sasrec.metrics["NDCG@10"] > 1.5 * pop.metrics["NDCG@10"]


def test_the_sampled_softmax_updates_only_the_rows_a_step_read() -> None:
    """Its id table's gradient is sparse (SparseAdam moves the rows a step read, AdamW
    the rest); clipping treats that gradient as its dense equivalent."""
    from seqrec_core.models import build_model
    from seqrec_core.training.loop import _clip_gradients
    from seqrec_core.training.session import build_optimizers
    from tests.support.model_batch import odd_sized_batch

    torch.manual_seed(0)
    model = build_model("sasrec", num_items=120, max_len=7, loss="sampled_softmax").train()
    dense, sparse = build_optimizers(model, TrainConfig(), world=1)
    assert sparse is not None and model.embeddings.item.weight in sparse.param_groups[0]["params"]
    assert all(p is not model.embeddings.item.weight for p in dense.param_groups[0]["params"])
    before = model.embeddings.item.weight.detach().clone()
    batch = odd_sized_batch()
    torch.manual_seed(1)
    model(batch).backward()
    grad = model.embeddings.item.weight.grad
    assert grad is not None and grad.is_sparse
    read = torch.zeros(121, dtype=torch.bool)
    read[grad.coalesce().indices()[0]] = True
    assert 0 < int(read.sum()) < 121
    as_dense = [
        p.grad.to_dense() if p.grad.is_sparse else p.grad.clone()
        for p in model.parameters()
        if p.grad is not None
    ]
    reference = [torch.nn.Parameter(g.clone()) for g in as_dense]
    for r, g in zip(reference, as_dense, strict=True):
        r.grad = g
    torch.nn.utils.clip_grad_norm_(reference, 0.01)
    _clip_gradients(model, 0.01)
    clipped = [
        p.grad.to_dense() if p.grad.is_sparse else p.grad
        for p in model.parameters()
        if p.grad is not None
    ]
    for got, want in zip(clipped, reference, strict=True):
        torch.testing.assert_close(got, want.grad)
    dense.step()
    sparse.step()
    after = model.embeddings.item.weight.detach()
    assert torch.equal(after[~read], before[~read])  # rows no step read are left alone
    assert not torch.equal(after[read], before[read])
    assert not read[0] and torch.equal(after[0], torch.zeros_like(after[0]))  # padding
    _, none = build_optimizers(model, TrainConfig(), world=2)  # several processes: dense
    assert none is None and not model.embeddings.sparse_rows
