"""The resumable state of a training loop: what is saved after every epoch and restored.

`LoopState` is the JSON part (epoch, best metric, history, RNG and scheduler states);
`save_last` writes it with the weights, the optimizer and the torch RNG states to
`out_dir/last` (atomically, see `checkpoint.save_train_state`), and `restore` puts all of
it back, so a resumed CPU run is bit-identical to one that was never interrupted.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from seqrec_core.models.base import Recommender
from seqrec_core.models.checkpoint import (
    WEIGHTS_FILE,
    load_optimizer,
    load_train_state,
    optimizer_tensors,
    save_train_state,
)
from seqrec_core.training.config import TrainConfig


@dataclass
class LoopState:
    """The loop state saved after every epoch (JSON-ready), so a run can resume."""

    next_epoch: int = 0
    step: int = 0
    best_metric: float = -math.inf
    best_epoch: int = -1
    best_metrics: dict[str, float] = field(default_factory=dict)
    waited: int = 0
    elapsed_s: float = 0.0  # training time spent in earlier sessions of this run
    history: list[dict[str, Any]] = field(default_factory=list)
    numpy_rng: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] = field(default_factory=dict)  # ReduceLROnPlateau state
    sparse_optimizer: dict[str, Any] = field(default_factory=dict)  # its JSON part, if any


def plateau_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig, state: dict[str, Any]
) -> torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    """The plateau learning-rate decay of `config` (None when it is off), restored."""
    if config.lr_decay_patience == 0:
        return None
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer,
        mode="max",
        factor=config.lr_decay,
        patience=config.lr_decay_patience - 1,  # torch waits `patience` epochs, then decays
    )
    if state:
        scheduler.load_state_dict(state)
    return scheduler


def save_last(
    out_dir: Path,
    model: Recommender,
    optimizer: torch.optim.Optimizer,
    loop: LoopState,
    rng: np.random.Generator,
    ema: AveragedModel | None = None,
    sparse: torch.optim.Optimizer | None = None,
) -> None:
    """Write the state after an epoch to `out_dir/last` (`sparse`: the sparse rows'
    optimizer, when training has one)."""
    loop.numpy_rng = rng.bit_generator.state
    extra = {"rng.torch_cpu": torch.get_rng_state()}
    if sparse is not None:
        tensors, loop.sparse_optimizer = optimizer_tensors(sparse)
        extra.update({f"sparse.{k}": v for k, v in tensors.items()})
    if torch.cuda.is_available():
        extra.update({f"rng.cuda{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    if ema is not None:
        extra.update({f"ema.{k}": v.detach().cpu() for k, v in ema.state_dict().items()})
    save_train_state(out_dir / "last", model, optimizer, asdict(loop), extra_tensors=extra)


def restore(
    out_dir: Path,
    model: Recommender,
    optimizer: torch.optim.Optimizer,
    rng: np.random.Generator,
    ema: AveragedModel | None = None,
    sparse: torch.optim.Optimizer | None = None,
) -> LoopState:
    """Put back what `save_last` wrote (weights, optimizers, RNGs, averaged weights)."""
    state, extra = load_train_state(out_dir / "last", model, optimizer)
    loop = LoopState(**state)
    if sparse is not None and loop.sparse_optimizer:
        rows = {k.removeprefix("sparse."): v for k, v in extra.items() if k.startswith("sparse.")}
        load_optimizer(sparse, rows, loop.sparse_optimizer)
    rng.bit_generator.state = loop.numpy_rng
    torch.set_rng_state(extra["rng.torch_cpu"])
    cuda_states = [extra[k] for k in sorted(extra) if k.startswith("rng.cuda")]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states)
    if ema is not None:
        averaged = {k.removeprefix("ema."): v for k, v in extra.items() if k.startswith("ema.")}
        ema.load_state_dict(averaged)
    return loop


def averaged_model(model: Recommender, config: TrainConfig) -> AveragedModel | None:
    """An exponential moving average of `model`'s weights (None when `ema_decay` is 0)."""
    if config.ema_decay == 0:
        return None
    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay))


def load_best(
    out_dir: Path, model: Recommender, fallback: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The best weights saved so far (from `best/`), on the model's device."""
    path = out_dir / "best" / WEIGHTS_FILE
    if not path.is_file():
        return fallback
    device = next(iter(model.state_dict().values())).device
    return {k: v.to(device) for k, v in load_file(path).items()}
