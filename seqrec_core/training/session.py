"""What one training session's steps share, and setting it up (optimizer, schedule, EMA, resume).

A session is one process's part of a run: a resumed run has several. `open_session`
seeds, picks the device and fixes where progress, validation and checkpoints go
(`SessionContext`, the same for baselines); `start_training` adds what gradient training
carries from step to step (`TrainingSession`): the model wrapped for data parallelism,
the batches' dataset and RNG, AdamW, the plateau schedule, the weight average, and the
loop state, restored from `out_dir/last` on resume. Only rank 0 validates, saves and
reports; it broadcasts the metrics so every rank takes the same decisions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel

from seqrec_core.data.sequences import EvalExamples, NextItemDataset, Split
from seqrec_core.data.vocab import Vocab
from seqrec_core.models.base import Recommender
from seqrec_core.models.checkpoint import save_checkpoint
from seqrec_core.training import distributed
from seqrec_core.training import state as train_state
from seqrec_core.training.config import EpochRecord, ProgressEvent, TrainConfig
from seqrec_core.training.devices import enable_fast_math, resolve_device, seed_everything
from seqrec_core.training.evaluation import DEFAULT_KS, evaluate, training_popularity
from seqrec_core.training.state import LoopState


@dataclass(frozen=True)
class SessionContext:
    """The model, data and settings of a session, and where its results go."""

    model: Recommender
    split: Split
    valid: EvalExamples  # what validation ranks: `split.valid` or its fixed sample
    config: TrainConfig
    device: torch.device
    main: bool  # rank 0 (or the only process): validates, saves and reports
    emit: Callable[[ProgressEvent], None]  # a no-op on other ranks
    should_stop: Callable[[], bool]
    popularity: torch.Tensor  # (num_items + 1,) training events per item
    out_dir: Path | None
    vocabs: dict[str, Vocab] | None
    started: float  # `time.perf_counter()` when the session began, before set-up

    def validate(self, weights: Recommender) -> dict[str, float]:
        """Validation metrics of `weights` on rank 0, broadcast to every rank.

        Args:
            weights: the model to rank `valid` with (the average, when kept).

        Returns:
            Metric name (e.g. `NDCG@10`) → value, the same on every rank.
        """
        metrics = None
        if self.main:
            metrics = evaluate(
                weights,
                self.valid,
                ks=DEFAULT_KS,
                exclude_history=self.config.exclude_history,
                item_popularity=self.popularity,
                batch_size=self.config.eval_batch_size,
                device=self.device,
            ).metrics
        return distributed.broadcast(metrics)

    def save_best(self, weights: Recommender, epoch: int, metrics: dict[str, float]) -> None:
        """Save `weights` as the best checkpoint `out_dir/best` (rank 0, with an `out_dir`)."""
        if self.out_dir is not None and self.main:
            extra = {
                "epoch": epoch,
                "valid_metrics": metrics,
                "train_config": self.config.to_dict(),
            }
            save_checkpoint(self.out_dir / "best", weights, self.vocabs, extra=extra)


def open_session(
    model: Recommender,
    split: Split,
    config: TrainConfig,
    *,
    out_dir: str | Path | None,
    vocabs: dict[str, Vocab] | None,
    callback: Callable[[ProgressEvent], None] | None,
    should_stop: Callable[[], bool] | None,
) -> SessionContext:
    """Seed, move `model` to its device and fix where progress and results go.

    Args: as `seqrec_core.training.loop.train`.

    Raises:
        ConfigError: the configured device is not available here.
    """
    seed_everything(config.seed)
    device = resolve_device(config.device)
    model.to(device)
    main = distributed.is_main()
    return SessionContext(
        model=model,
        split=split,
        valid=split.valid.sample(config.valid_sample, config.seed),
        config=config,
        device=device,
        main=main,
        emit=callback if (callback is not None and main) else (lambda event: None),
        should_stop=should_stop or (lambda: False),
        popularity=training_popularity(split, model.config.num_items),
        out_dir=None if out_dir is None else Path(out_dir),
        vocabs=vocabs,
        started=time.perf_counter(),
    )


@dataclass
class TrainingSession:
    """What gradient training carries from step to step and epoch to epoch."""

    context: SessionContext
    net: nn.Module  # the model, wrapped in DistributedDataParallel under torchrun
    world: int  # processes training together
    dataset: NextItemDataset
    rng: np.random.Generator  # batch order; saved and restored with the loop state
    optimizer: torch.optim.Optimizer  # AdamW, every parameter but the sparse ones
    sparse_optimizer: torch.optim.SparseAdam | None  # the id table's rows, when sparse
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau | None
    ema: AveragedModel | None  # the weight average, validated and kept when configured
    loop: LoopState
    best_state: dict[str, torch.Tensor]  # the best weights so far, on the model's device
    budget_s: float  # training seconds allowed; inf without a budget
    history: list[EpochRecord]
    start: float  # `perf_counter` origin of elapsed time, earlier sessions included

    def scored(self) -> Recommender:
        """The weights that are validated and kept: the average, when there is one."""
        return self.ema.module if self.ema is not None else self.context.model  # type: ignore[return-value]


def _data_parallel(model: Recommender, device: torch.device, world: int) -> nn.Module:
    """`model` wrapped in DistributedDataParallel when several processes train it."""
    if world <= 1:
        return model
    return DistributedDataParallel(
        model,
        device_ids=[device.index] if device.type == "cuda" else None,
        forward_sync_buffers=False,  # buffers (feature tables) never change
    )


def build_optimizers(
    model: Recommender, config: TrainConfig, world: int
) -> tuple[torch.optim.Optimizer, torch.optim.SparseAdam | None]:
    """AdamW for the dense parameters and SparseAdam for the sparse ones, if any.

    The sampled softmax gives the id table a sparse gradient (`ItemEmbeddings.sparse_rows`):
    SparseAdam (lazy Adam, no weight decay) moves only the rows a step read, where AdamW
    would rewrite all of a large catalog's rows at every step. Several processes keep
    dense gradients (DistributedDataParallel's NCCL all-reduce takes no sparse tensors).
    AdamW is fused (one kernel over every parameter: on a 250k-product catalog the
    per-tensor AdamW took 140 ms of a CPU step, the fused one 9 ms).
    """
    sparse_params = list(getattr(model, "sparse_parameters", list)())
    if sparse_params and world > 1:
        model.embeddings.sparse_rows = False  # type: ignore[attr-defined]
        sparse_params = []
    sparse_ids = {id(p) for p in sparse_params}
    dense = [p for p in model.parameters() if id(p) not in sparse_ids]
    optimizer = torch.optim.AdamW(
        dense, lr=config.learning_rate, weight_decay=config.weight_decay, fused=True
    )
    sparse = (
        torch.optim.SparseAdam(sparse_params, lr=config.learning_rate) if sparse_params else None
    )
    return optimizer, sparse


def start_training(context: SessionContext, *, resume: bool) -> TrainingSession:
    """Set up gradient training: data parallelism, optimizer, EMA, schedule, resumed state.

    Args:
        context: the session's model, data and settings (`open_session`).
        resume: continue from `out_dir/last` (weights, optimizer, RNGs, loop state).

    Returns:
        The session at the start of its first epoch (`loop.next_epoch`).

    Raises:
        RunError: `resume` without a saved state in `out_dir/last`.
    """
    model, config = context.model, context.config
    enable_fast_math(context.device)
    world = distributed.rank_and_size()[1]
    net = _data_parallel(model, context.device, world)
    dataset = NextItemDataset(context.split.train, model.config.max_len)
    rng = np.random.default_rng(config.seed)
    optimizer, sparse = build_optimizers(model, config, world)
    ema = train_state.averaged_model(model, config)
    out_dir = context.out_dir or Path(".")
    loop = (
        train_state.restore(out_dir, model, optimizer, rng, ema, sparse) if resume else LoopState()
    )
    scheduler = train_state.plateau_scheduler(optimizer, config, loop.scheduler)
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if resume and loop.best_epoch >= 0:
        best_state = train_state.load_best(out_dir, model, best_state)
    return TrainingSession(
        context=context,
        net=net,
        world=world,
        dataset=dataset,
        rng=rng,
        optimizer=optimizer,
        sparse_optimizer=sparse,
        scheduler=scheduler,
        ema=ema,
        loop=loop,
        best_state=best_state,
        budget_s=config.max_minutes * 60 if config.max_minutes is not None else math.inf,
        history=[EpochRecord(**record) for record in loop.history],
        # Elapsed time counts earlier sessions of the same run.
        start=context.started - loop.elapsed_s,
    )
