"""Cold-start evaluation: hold a share of the items out of training entirely.

`hold_out_items` picks a seeded random share of the items that have events and removes
every one of their events from the training sequences and from the validation and test
histories; validation examples whose target is held out are dropped (early stopping must
not see them), test examples keep their target, so the users whose test event is a held-out
item measure how a model does on products it has never seen bought (the `"0"` bucket of
`by_target_count`). Examples left with an empty history are dropped.
"""

from __future__ import annotations

import numpy as np

from seqrec_core.checks import check_range
from seqrec_core.data.sequences import EvalExamples, Split


def pick_cold_items(candidates: np.ndarray, fraction: float, seed: int = 0) -> np.ndarray:
    """A seeded random `fraction` of the item indices `candidates`, sorted.

    Raises:
        ConfigError: `fraction` outside [0, 0.9].
    """
    check_range("cold_items", fraction, 0.0, 0.9, model="train")
    unique = np.unique(candidates)
    count = round(len(unique) * fraction)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(unique, size=count, replace=False)).astype(np.int64)


def _without(examples: EvalExamples, cold: np.ndarray, *, drop_cold_targets: bool) -> EvalExamples:
    """`examples` with cold events removed from every history (rows kept aligned)."""
    history = examples.history.keep(~np.isin(examples.history.items, cold), drop_empty=False)
    keep = history.lengths > 0
    if drop_cold_targets:
        keep &= ~np.isin(examples.targets, cold)
    rows = np.flatnonzero(keep)
    row_of_event = np.repeat(np.arange(len(history)), history.lengths)
    history = history.keep(np.isin(row_of_event, rows))
    return EvalExamples(history, examples.targets[rows])


def hold_out_items(split: Split, fraction: float, seed: int = 0) -> tuple[Split, np.ndarray]:
    """The split without a `fraction` of its items in training (see the module docstring).

    Returns:
        The new split and the held-out item indices (sorted; empty for fraction 0).
    """
    candidates = np.concatenate([split.train.items, split.test.targets])
    cold = pick_cold_items(candidates, fraction, seed)
    if len(cold) == 0:
        return split, cold
    train = split.train.keep(~np.isin(split.train.items, cold))
    valid = _without(split.valid, cold, drop_cold_targets=True)
    test = _without(split.test, cold, drop_cold_targets=False)
    return Split(split.kind, train, valid, test), cold
