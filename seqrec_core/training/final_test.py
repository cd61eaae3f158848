"""The final test of a run: every test shopper ranked in batches, with progress, resumable.

On a big shop the final test is long (1.5 million shoppers over 230k products: most of an
hour on 2 cores), so `final_test` reports the shoppers ranked so far and, every
`SAVE_EVERY_S` seconds, saves the ranks and top items found so far to a NumPy file
(`allow_pickle=False`, written to a temporary name and renamed into place). A test that
is stopped (a killed worker, a closed laptop) goes on from the last save when the run is
resumed, provided the saved part belongs to the same model and the same test shoppers: a
fingerprint of both (the weights' bytes, the histories and targets) is saved with it, and
a saved part that does not match is ignored. The metrics are those of `evaluate`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import numpy as np
import torch

from seqrec_core.data.sequences import EvalExamples
from seqrec_core.models.base import Recommender
from seqrec_core.training.evaluation import (
    DEFAULT_KS,
    EvalResult,
    rank_batches,
    summarise,
    top_k_max,
)

SAVE_EVERY_S: Final = 30.0  # seconds of ranking between two saves (tests lower it)
FORMAT: Final = 1  # of the saved file; another value is not read back

TestProgress = Callable[[int, int], None]  # (shoppers ranked, shoppers in the test)


def fingerprint(model: Recommender, examples: EvalExamples, exclude_history: bool) -> str:
    """A digest of what the ranks depend on: the weights, the test and the history rule."""
    digest = hashlib.sha256(f"{FORMAT}:{exclude_history}".encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().reshape(-1).contiguous().view(torch.uint8).numpy())
    history = examples.history
    for array in (history.offsets, history.items, history.event_types, examples.targets):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _restore(
    state_file: Path, key: str, count: int, k_max: int
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The saved ranks, top items and count done, when they belong to `key`."""
    try:
        with np.load(state_file, allow_pickle=False) as saved:
            if str(saved["key"]) != key:
                return None
            ranks, top, done = saved["ranks"], saved["top_items"], int(saved["done"])
    except (OSError, ValueError, KeyError):  # none, or not ours: start over
        return None
    if ranks.shape != (count,) or top.shape != (count, k_max) or not 0 <= done <= count:
        return None
    return ranks, top, done


def _save(state_file: Path, key: str, ranks: np.ndarray, top: np.ndarray, done: int) -> None:
    temporary = state_file.with_name(f"{state_file.stem}.tmp-{os.getpid()}.npz")
    np.savez(temporary, key=np.array(key), ranks=ranks, top_items=top, done=np.array(done))
    os.replace(temporary, state_file)


def final_test(
    model: Recommender,
    examples: EvalExamples,
    *,
    ks: tuple[int, ...] = DEFAULT_KS,
    exclude_history: bool = True,
    item_popularity: torch.Tensor | None = None,
    batch_size: int = 1024,
    device: torch.device | str = "cpu",
    state_file: Path | None = None,
    progress: TestProgress | None = None,
) -> EvalResult:
    """`evaluate`, with progress after every batch and, given a `state_file`, saves to
    go on from (see the module docstring). The file is removed once the test is done.

    Returns:
        The metrics `evaluate` gives for the same model and examples.
    """
    count, k_max = len(examples), top_k_max(ks, model.config.num_items)
    key = fingerprint(model, examples, exclude_history) if state_file is not None else ""
    restored = _restore(state_file, key, count, k_max) if state_file is not None else None
    if restored is None:
        ranks = np.zeros(count, dtype=np.int64)
        top = np.zeros((count, k_max), dtype=np.int64)
        done = 0
    else:
        ranks, top, done = restored
    if progress is not None and done:
        progress(done, count)
    saved_at = time.monotonic()
    for ranked in rank_batches(
        model, examples, k_max=k_max, exclude_history=exclude_history,
        batch_size=batch_size, device=device, start=done,
    ):  # fmt: skip
        ranks[ranked.rows], top[ranked.rows] = ranked.ranks, ranked.top_items
        done += len(ranked.rows)
        if state_file is not None and time.monotonic() - saved_at >= SAVE_EVERY_S:
            _save(state_file, key, ranks, top, done)
            saved_at = time.monotonic()
        if progress is not None:
            progress(done, count)
    if state_file is not None:
        state_file.unlink(missing_ok=True)
    return summarise(ranks, top, examples, model.config.num_items, ks, item_popularity)
