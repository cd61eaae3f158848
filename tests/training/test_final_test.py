"""The final test in batches: the metrics of `evaluate`, progress, and going on after a stop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seqrec_core.data.sequences import EvalExamples, Sequences
from seqrec_core.models import SASRec, SASRecConfig
from seqrec_core.training import final_test as ft
from seqrec_core.training.evaluation import evaluate


def _model(seed: int = 0) -> SASRec:
    torch.manual_seed(seed)
    return SASRec(SASRecConfig(num_items=30, max_len=6, hidden_size=8, num_heads=2, inner_size=16))


def _examples(count: int = 53) -> EvalExamples:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 9, count)
    items = rng.integers(1, 31, lengths.sum()).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    seqs = Sequences(offsets, items, np.ones_like(items), np.arange(1, count + 1))
    return EvalExamples(seqs, rng.integers(1, 31, count).astype(np.int64))


class _Stop(Exception):
    pass


def test_batches_with_progress_give_the_metrics_of_evaluate(tmp_path: Path) -> None:
    model, examples = _model(), _examples()
    seen: list[tuple[int, int]] = []
    state = tmp_path / "test_progress.npz"
    tested = ft.final_test(
        model, examples, batch_size=10, state_file=state, progress=lambda d, t: seen.append((d, t))
    )
    expected = evaluate(model, examples, batch_size=10)
    assert tested.metrics == expected.metrics
    assert tested.ranks.tolist() == expected.ranks.tolist()
    assert seen == [(min(d, 53), 53) for d in range(10, 61, 10)]
    assert not state.exists()  # removed once done


def _stopped(state: Path, model: SASRec, examples: EvalExamples, at: int = 20) -> None:
    """A test of `model` stopped once `at` shoppers are ranked, its part saved in `state`
    (with `SAVE_EVERY_S` 0, a save after every batch)."""

    def stop(done: int, total: int) -> None:
        if done >= at:
            raise _Stop

    with pytest.raises(_Stop):
        ft.final_test(model, examples, batch_size=10, state_file=state, progress=stop)
    assert state.exists()


def test_a_stopped_test_goes_on_from_its_last_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, examples = _model(), _examples()
    state = tmp_path / "test_progress.npz"
    monkeypatch.setattr(ft, "SAVE_EVERY_S", 0.0)  # a save after every batch
    _stopped(state, model, examples, at=30)
    ranked: list[int] = []
    real = ft.rank_batches

    def counting(*args, **kwargs):
        for batch in real(*args, **kwargs):
            ranked.append(len(batch.rows))
            yield batch

    monkeypatch.setattr(ft, "rank_batches", counting)
    seen: list[int] = []
    resumed = ft.final_test(
        model, examples, batch_size=10, state_file=state, progress=lambda d, t: seen.append(d)
    )
    assert seen[0] == 30 and sum(ranked) == 23  # the 30 saved before the stop are kept
    expected = evaluate(model, examples, batch_size=10)
    assert resumed.metrics == expected.metrics
    assert resumed.top_items.tolist() == expected.top_items.tolist()


def test_a_saved_part_of_another_model_or_test_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples, state = _examples(), tmp_path / "test_progress.npz"
    monkeypatch.setattr(ft, "SAVE_EVERY_S", 0.0)
    assert ft.fingerprint(_model(1), examples, True) != ft.fingerprint(_model(0), examples, True)
    for model, tested in ((_model(1), examples), (_model(0), _examples(40))):
        _stopped(state, _model(0), examples)
        seen: list[int] = []
        result = ft.final_test(
            model,
            tested,
            batch_size=10,
            state_file=state,
            progress=lambda d, _, s=seen: s.append(d),
        )
        assert seen[0] == 10  # from the start
        assert result.metrics == evaluate(model, tested, batch_size=10).metrics
    state.write_bytes(b"not a numpy file")
    seen = []
    ft.final_test(
        _model(0), examples, batch_size=10, state_file=state, progress=lambda d, t: seen.append(d)
    )
    assert seen[0] == 10
