"""What training produced, kept in the run folder so a resumed run goes straight to its test.

A run ends with its final test, which on a big shop is long. Once training has finished,
`save_trained` writes its outcome (everything of `TrainResult` but the weights, which are
the best checkpoint's) and the training settings to `trained.json`; a run resumed after
that with the same settings (`train --resume RUN`, for instance after its worker was
killed during the test) reads it back with `trained_before` instead of training again,
and its test goes on from the last save (`training.final_test`). Resumed with other
settings (more epochs), it trains on from its last epoch as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Final

import torch

from seqrec_core.errors import SeqRecError
from seqrec_core.models.checkpoint import load_checkpoint
from seqrec_core.runs.registry import write_json_atomic
from seqrec_core.training.config import EpochRecord, TrainResult

TRAINED_FILE: Final = "trained.json"
TEST_STATE_FILE: Final = "test_progress.npz"  # the final test's saved part (`final_test`)


def save_trained(folder: Path, result: TrainResult, settings: Mapping[str, Any]) -> None:
    """Write `result` (but its model) to `folder/trained.json`, atomically, with the
    training `settings` it was trained with."""
    record = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "model"}
    record["settings"] = dict(settings)
    record["history"] = [asdict(epoch) for epoch in result.history]
    write_json_atomic(folder / TRAINED_FILE, record)


def trained_before(
    folder: Path, best_dir: Path, device: torch.device | str, settings: Mapping[str, Any]
) -> TrainResult | None:
    """The outcome of this run's finished training with its best weights, or None when
    training did not finish with these training `settings` (a run resumed with more
    epochs trains on) or its record cannot be read (then it trains again)."""
    path = folder / TRAINED_FILE
    if not path.is_file():
        return None
    try:  # (a missing or damaged best checkpoint is a RunError of `load_checkpoint`)
        record: dict[str, Any] = json.loads(path.read_text())
        if record.pop("settings", None) != json.loads(json.dumps(dict(settings))):
            return None
        history = [EpochRecord(**epoch) for epoch in record.pop("history")]
        model = load_checkpoint(best_dir, device).model
        return TrainResult(model=model, history=history, **record)
    except (OSError, ValueError, TypeError, SeqRecError):
        return None
