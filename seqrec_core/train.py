"""Training: the epoch loop, early stopping, time budget, cancel, resume, progress events.

`train` takes a built model and a split and returns the model holding its best weights
(by validation NDCG@10) with a per-epoch record. On CUDA it trains under bf16 autocast
with TF32 matmuls; on the CPU a fixed seed gives bit-identical runs, resumed or not.
Progress goes to a callback as `ProgressEvent`s (the worker appends them to a file).
Under torchrun the model is wrapped in DistributedDataParallel and every rank trains on
its share of the batches (`seqrec_core.distributed`). Count-based baselines are `fit`.

With `out_dir`, the best weights go to `out_dir/best` (a checkpoint) and, after every
epoch, the whole loop state to `out_dir/last`, from which `resume=True` continues.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from seqrec_core import distributed
from seqrec_core.checkpoint import load_train_state, save_checkpoint, save_train_state
from seqrec_core.devices import (
    DEVICES,
    autocast_for,
    enable_fast_math,
    resolve_device,
    seed_everything,
)
from seqrec_core.evaluate import DEFAULT_KS, evaluate, training_popularity
from seqrec_core.models.base import Recommender, check_choice, check_range
from seqrec_core.sequences import NextItemDataset, Split, collate, length_grouped_batches
from seqrec_core.vocab import Vocab

VALID_METRIC = "NDCG@10"


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and stopping settings, shared by every trainable model."""

    epochs: int = 200  # upper bound; early stopping or the time budget usually end sooner
    batch_size: int = 128
    learning_rate: float = 3e-3  # higher than the usual 1e-3: on Beauty it converges ~2× sooner
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    grad_clip: float = 5.0  # max global gradient norm; 0 turns clipping off
    patience: int = 10  # validations without a better NDCG@10 before stopping
    max_minutes: float | None = None  # wall-clock budget for training; None: no budget
    seed: int = 0
    device: str = "auto"  # auto → cuda, then mps, then cpu
    eval_batch_size: int = 1024
    exclude_history: bool = True  # validation ranks without the user's own history items
    group_by_length: bool = True  # batch similar lengths together (much faster on CPU)
    log_every: int = 50  # steps between step events

    def __post_init__(self) -> None:
        m = type(self).__name__
        check_range("epochs", self.epochs, 1, 100_000, model=m)
        check_range("batch_size", self.batch_size, 1, 1 << 20, model=m)
        check_range("learning_rate", self.learning_rate, 1e-7, 1.0, model=m)
        check_range("weight_decay", self.weight_decay, 0.0, 10.0, model=m)
        check_range("grad_clip", self.grad_clip, 0.0, model=m)
        check_range("patience", self.patience, 1, model=m)
        if self.max_minutes is not None:
            check_range("max_minutes", self.max_minutes, 0.01, model=m)
        check_choice("device", self.device, DEVICES, model=m)
        check_range("eval_batch_size", self.eval_batch_size, 1, model=m)
        check_range("log_every", self.log_every, 1, model=m)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready field values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ProgressEvent:
    """One progress report: `kind` is "step", "epoch" or "done"."""

    kind: str
    epoch: int  # 0-based
    step: int  # optimizer steps so far
    loss: float  # mean training loss since the epoch began
    examples_per_s: float
    eta_s: float | None  # seconds to the epoch cap or the budget, whichever is sooner
    elapsed_s: float
    metrics: dict[str, float] | None = None  # validation metrics ("epoch" and "done")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class EpochRecord:
    """Training loss, time and validation metrics of one epoch."""

    epoch: int
    loss: float
    train_s: float
    eval_s: float
    elapsed_s: float  # cumulative wall time at the end of this epoch's validation
    metrics: dict[str, float]


@dataclass
class TrainResult:
    """What a training run produced; `model` holds the best weights."""

    model: Recommender
    device: str
    best_epoch: int
    best_metrics: dict[str, float]
    stopped_by: str  # "early stopping", "time budget", "epochs", "cancelled" or "fit"
    seconds: float
    history: list[EpochRecord] = field(default_factory=list)
    world_size: int = 1


@dataclass
class _Loop:
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


def _epoch_batches(
    dataset: NextItemDataset, config: TrainConfig, rng: np.random.Generator
) -> list[np.ndarray]:
    if config.group_by_length:
        batches = length_grouped_batches(dataset.lengths, config.batch_size, rng)
    else:
        order = rng.permutation(len(dataset))
        batches = [
            order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)
        ]
    return distributed.shard(batches)


def _fit_baseline(
    model: Recommender, split: Split, validate: Callable[[], dict[str, float]], save: Callable
) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    model.fit(torch.from_numpy(split.train.offsets), torch.from_numpy(split.train.items))
    metrics = validate()
    save(0, metrics)
    return metrics, time.perf_counter() - start


def train(
    model: Recommender,
    split: Split,
    config: TrainConfig,
    *,
    out_dir: str | Path | None = None,
    vocabs: dict[str, Vocab] | None = None,
    callback: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = False,
) -> TrainResult:
    """Train (or fit) `model` on `split.train`, validating on `split.valid` every epoch.

    Args:
        model: a freshly built recommender (build it after `seed_everything` for
            reproducible initial weights).
        split: training sequences and validation examples.
        config: optimisation and stopping settings.
        out_dir: where `best/` (checkpoint) and `last/` (resumable state) are saved.
        vocabs: vocabularies saved with the checkpoint.
        callback: receives every `ProgressEvent` (on rank 0 only under torchrun).
        should_stop: polled every step; True ends the run as "cancelled".
        resume: continue from `out_dir/last` (weights, optimizer, RNGs, loop state).

    Returns:
        A `TrainResult` whose model holds the best weights, in eval mode.

    Raises:
        RunError: `resume` without a saved state in `out_dir/last`.
    """
    seed_everything(config.seed)
    device = resolve_device(config.device)
    model.to(device)
    main = distributed.is_main()
    emit = callback if (callback is not None and main) else (lambda event: None)
    stop_requested = should_stop or (lambda: False)
    popularity = training_popularity(split, model.config.num_items)
    start = time.perf_counter()

    def validate() -> dict[str, float]:
        metrics = None
        if main:
            metrics = evaluate(
                model,
                split.valid,
                ks=DEFAULT_KS,
                exclude_history=config.exclude_history,
                item_popularity=popularity,
                batch_size=config.eval_batch_size,
                device=device,
            ).metrics
        return distributed.broadcast(metrics)

    def save_best(epoch: int, metrics: dict[str, float]) -> None:
        if out_dir is not None and main:
            extra = {"epoch": epoch, "valid_metrics": metrics, "train_config": config.to_dict()}
            save_checkpoint(Path(out_dir) / "best", model, vocabs, extra=extra)

    if not model.trainable:
        metrics, elapsed = _fit_baseline(model, split, validate, save_best)
        emit(ProgressEvent("done", 0, 0, math.nan, 0.0, 0.0, elapsed, metrics))
        record = EpochRecord(0, math.nan, 0.0, elapsed, elapsed, metrics)
        return TrainResult(model.eval(), device.type, 0, metrics, "fit", elapsed, [record])

    enable_fast_math(device)
    world = distributed.rank_and_size()[1]
    net = (
        DistributedDataParallel(
            model,
            device_ids=[device.index] if device.type == "cuda" else None,
            forward_sync_buffers=False,  # buffers (feature tables) never change
        )
        if world > 1
        else model
    )
    dataset = NextItemDataset(split.train, model.config.max_len)
    rng = np.random.default_rng(config.seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    loop = _Loop()
    if resume:
        loop = _restore(Path(out_dir or "."), model, optimizer, rng)
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if resume and loop.best_epoch >= 0:
        best_state = _load_best(Path(out_dir or "."), model, best_state)
    budget_s = config.max_minutes * 60 if config.max_minutes is not None else math.inf
    history = [EpochRecord(**record) for record in loop.history]
    start -= loop.elapsed_s  # elapsed time counts earlier sessions of the same run
    stopped_by = "epochs"
    for epoch in range(loop.next_epoch, config.epochs):
        batches = _epoch_batches(dataset, config, rng)
        loader = DataLoader(dataset, batch_sampler=batches, collate_fn=collate)
        net.train()
        epoch_start, total_loss, seen, steps = time.perf_counter(), 0.0, 0, 0
        for batch in loader:
            batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
            with autocast_for(device):
                loss = net(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            loop.step, steps = loop.step + 1, steps + 1
            total_loss += loss.item()
            seen += len(batch["input_ids"]) * world
            elapsed = time.perf_counter() - start
            speed = seen / max(time.perf_counter() - epoch_start, 1e-9)
            if loop.step % config.log_every == 0:
                left = (len(batches) - steps) + (config.epochs - epoch - 1) * len(batches)
                eta = min(left * config.batch_size * world / speed, max(budget_s - elapsed, 0))
                emit(
                    ProgressEvent("step", epoch, loop.step, total_loss / steps, speed, eta, elapsed)
                )
            cancel, over = stop_requested(), elapsed > budget_s
            if distributed.any_rank(cancel or over, device):
                stopped_by = "cancelled" if distributed.any_rank(cancel, device) else "time budget"
                break
        if stopped_by == "cancelled":
            break  # no validation of a partial epoch: the user wants the job gone
        train_s = time.perf_counter() - epoch_start
        eval_start = time.perf_counter()
        metrics = validate()
        eval_s = time.perf_counter() - eval_start
        elapsed = time.perf_counter() - start
        mean_loss = total_loss / max(steps, 1)
        history.append(EpochRecord(epoch, mean_loss, train_s, eval_s, elapsed, metrics))
        if metrics[VALID_METRIC] > loop.best_metric:
            loop.best_metric, loop.best_epoch, loop.best_metrics = (
                metrics[VALID_METRIC],
                epoch,
                metrics,
            )
            loop.waited = 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            save_best(epoch, metrics)
        else:
            loop.waited += 1
        emit(
            ProgressEvent(
                "epoch",
                epoch,
                loop.step,
                mean_loss,
                seen / max(train_s, 1e-9),
                None,
                elapsed,
                metrics,
            )
        )
        loop.next_epoch, loop.elapsed_s = epoch + 1, elapsed
        loop.history = [asdict(r) for r in history]
        if out_dir is not None and main:
            _save_last(Path(out_dir), model, optimizer, loop, rng)
        if stopped_by == "time budget":
            break
        if loop.waited >= config.patience:
            stopped_by = "early stopping"
            break
    model.load_state_dict(best_state)
    seconds = time.perf_counter() - start
    emit(
        ProgressEvent(
            "done", loop.best_epoch, loop.step, math.nan, 0.0, 0.0, seconds, loop.best_metrics
        )
    )
    return TrainResult(
        model.eval(),
        device.type,
        loop.best_epoch,
        loop.best_metrics,
        stopped_by,
        seconds,
        history,
        world,
    )


def _save_last(
    out_dir: Path,
    model: Recommender,
    optimizer: torch.optim.Optimizer,
    loop: _Loop,
    rng: np.random.Generator,
) -> None:
    loop.numpy_rng = rng.bit_generator.state
    rng_tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng_tensors.update({f"cuda{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    save_train_state(out_dir / "last", model, optimizer, asdict(loop), rng_tensors=rng_tensors)


def _restore(
    out_dir: Path, model: Recommender, optimizer: torch.optim.Optimizer, rng: np.random.Generator
) -> _Loop:
    state, rng_tensors = load_train_state(out_dir / "last", model, optimizer)
    loop = _Loop(**state)
    rng.bit_generator.state = loop.numpy_rng
    torch.set_rng_state(rng_tensors["torch_cpu"])
    cuda_states = [rng_tensors[k] for k in sorted(rng_tensors) if k.startswith("cuda")]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states)
    return loop


def _load_best(
    out_dir: Path, model: Recommender, fallback: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """The best weights saved so far (from `best/`), on the model's device."""
    path = out_dir / "best" / "model.safetensors"
    if not path.is_file():
        return fallback
    device = next(iter(model.state_dict().values())).device
    return {k: v.to(device) for k, v in load_file(path).items()}
