"""Trained runs as usable models: a run's best checkpoint with its data, indexed alike.

Evaluation, recommendation and explanation load a run through `load_run`, which rebuilds
the run's split from its dataset with the vocabularies saved in the checkpoint, so item
index 17 means the same item in the model and in the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from seqrec_core.data.prepare import Prepared, prepare_dataset
from seqrec_core.data.split_names import EVAL_SPLITS  # torch-free home, for the CLI parser
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.models.checkpoint import Checkpoint, load_checkpoint
from seqrec_core.runs import registry as runs
from seqrec_core.store import Workspace
from seqrec_core.training.evaluation import DEFAULT_KS, EvalResult, evaluate, training_popularity


@dataclass(frozen=True)
class LoadedRun:
    """A run's registry record, its best model and its prepared dataset."""

    info: runs.RunInfo
    checkpoint: Checkpoint
    prepared: Prepared

    @property
    def model(self) -> torch.nn.Module:
        return self.checkpoint.model


def load_run(workspace: Workspace, run_id: str, device: torch.device | str = "cpu") -> LoadedRun:
    """The best model of run `run_id` with its dataset, split by the run's protocol.

    Raises:
        WorkspaceError: no such run or dataset.
        RunError: the run saved no model (it failed or was cancelled before an epoch).
    """
    info = runs.get_run(workspace, run_id)
    if not info.has_model:
        why = f" ({info.error})" if info.error else ""
        raise RunError(
            f"run {run_id} ({info.status}{why}) has no saved model; pick a run that "
            "finished at least one epoch, or train again"
        )
    checkpoint = load_checkpoint(info.best_dir, device)
    prepared = prepare_dataset(
        workspace,
        info.dataset,
        info.request.get("split", "leave_one_out"),
        checkpoint.vocabs,
        cold_items=info.request.get("cold_items", 0.0),
    )
    return LoadedRun(info, checkpoint, prepared)


def parse_ks(text: str) -> tuple[int, ...]:
    """`"5,10,20"` → (5, 10, 20).

    Raises:
        ConfigError: not a comma-separated list of positive integers.
    """
    try:
        ks = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        ks = ()
    if not ks or min(ks) < 1:
        raise ConfigError(
            f"k = {text!r}: write positive cut-offs separated by commas, e.g. 5,10,20"
        )
    return ks


def evaluate_run(
    workspace: Workspace,
    run_id: str,
    *,
    split: str = "test",
    ks: Sequence[int] = DEFAULT_KS,
    exclude_history: bool = True,
    device: torch.device | str = "cpu",
) -> EvalResult:
    """Full-ranking metrics of a run's best model on its `test` or `valid` examples.

    Raises:
        ConfigError: an unknown split name.
    """
    if split not in EVAL_SPLITS:
        raise ConfigError(f"split = {split!r} is not one of {', '.join(EVAL_SPLITS)}")
    loaded = load_run(workspace, run_id, device)
    return evaluate_loaded(
        loaded, split=split, ks=ks, exclude_history=exclude_history, device=device
    )


def evaluate_loaded(
    loaded: LoadedRun,
    *,
    split: str = "test",
    ks: Sequence[int] = DEFAULT_KS,
    exclude_history: bool = True,
    device: torch.device | str = "cpu",
) -> EvalResult:
    """`evaluate_run` on a run already loaded (with `load_run`, on `device`).

    Raises:
        ConfigError: an unknown split name.
    """
    if split not in EVAL_SPLITS:
        raise ConfigError(f"split = {split!r} is not one of {', '.join(EVAL_SPLITS)}")
    data_split = loaded.prepared.split
    examples = data_split.test if split == "test" else data_split.valid
    num_items = loaded.checkpoint.model.config.num_items
    return evaluate(
        loaded.checkpoint.model,
        examples,
        ks=ks,
        exclude_history=exclude_history,
        item_popularity=training_popularity(data_split, num_items),
        device=device,
    )
