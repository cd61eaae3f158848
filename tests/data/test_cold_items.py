"""Holding items out of training: gone from every history, kept as test targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqrec_core.data.cold_items import hold_out_items, pick_cold_items
from seqrec_core.data.prepare import prepare_frames
from seqrec_core.errors import ConfigError


def _events() -> pd.DataFrame:
    rows = [
        (f"u{u}", f"i{(u + s) % 10}", f"2026-01-01T00:{s:02d}:00Z")
        for u in range(30)
        for s in range(6)
    ]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def test_the_same_fraction_always_picks_the_same_items() -> None:
    candidates = np.array([3, 1, 2, 2, 5, 4, 6, 7, 8, 9, 10])
    first = pick_cold_items(candidates, 0.2)
    assert len(first) == 2 and list(first) == sorted(first)
    np.testing.assert_array_equal(first, pick_cold_items(candidates, 0.2))
    assert len(pick_cold_items(candidates, 0.0)) == 0
    with pytest.raises(ConfigError, match="cold_items"):
        pick_cold_items(candidates, 0.95)


def test_held_out_items_leave_training_and_histories_but_stay_test_targets() -> None:
    plain = prepare_frames(_events(), pd.DataFrame({"item_id": []}))
    split, cold = hold_out_items(plain.split, 0.2)
    assert len(cold) == 2
    assert not np.isin(split.train.items, cold).any()
    for examples in (split.valid, split.test):
        assert not np.isin(examples.history.items, cold).any()
        assert (examples.history.lengths > 0).all()
        assert len(examples.history) == len(examples.targets)
    assert not np.isin(split.valid.targets, cold).any()  # early stopping never sees them
    cold_targets = np.isin(split.test.targets, cold).sum()
    assert cold_targets == np.isin(plain.split.test.targets, cold).sum() > 0


def test_prepare_holds_out_and_reports_the_trained_items() -> None:
    prepared = prepare_frames(_events(), pd.DataFrame({"item_id": []}), cold_items=0.2)
    trained = prepared.trained_items()
    assert trained.shape == (prepared.data.items.size,)
    assert not trained[prepared.cold_items].any()
    assert trained.sum() == prepared.data.items.num_tokens - len(prepared.cold_items)
