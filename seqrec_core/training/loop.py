"""Training: the epoch loop, early stopping, time budget, cancel, resume, progress events.

`train` takes a built model and a split and returns the model holding its best weights
(by validation NDCG@10) with a per-epoch record. On CUDA it trains under bf16 autocast
with TF32 matmuls; on the CPU a fixed seed gives bit-identical runs, resumed or not.
Progress goes to a callback as `ProgressEvent`s (the worker appends them to a file).
Under torchrun the model is wrapped in DistributedDataParallel and every rank trains on
its share of the batches (`seqrec_core.training.distributed`). Count-based baselines are `fit`.

With `out_dir`, the best weights go to `out_dir/best` (a checkpoint) and, after every
epoch, the whole loop state to `out_dir/last` (`seqrec_core.training.state`), from which
`resume=True` continues. `train` reads as its steps: set-up (`training.session`), then per
epoch the optimizer steps, validation with the keep-the-best and plateau decisions, and
the checkpoint, then the result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from seqrec_core.data.sequences import NextItemDataset, Split, collate, length_grouped_batches
from seqrec_core.data.vocab import Vocab
from seqrec_core.models.base import Recommender
from seqrec_core.training import distributed
from seqrec_core.training import state as train_state
from seqrec_core.training.config import EpochRecord, ProgressEvent, TrainConfig, TrainResult
from seqrec_core.training.devices import autocast_for
from seqrec_core.training.session import (
    SessionContext,
    TrainingSession,
    open_session,
    start_training,
)

VALID_METRIC = "NDCG@10"

__all__ = ["EpochRecord", "ProgressEvent", "TrainConfig", "TrainResult", "train"]


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
    context = open_session(
        model,
        split,
        config,
        out_dir=out_dir,
        vocabs=vocabs,
        callback=callback,
        should_stop=should_stop,
    )
    if not model.trainable:
        return _fit_baseline(context)
    session = start_training(context, resume=resume)
    stopped_by = "epochs"
    for epoch in range(session.loop.next_epoch, config.epochs):
        progress = _train_epoch(session, epoch)
        if progress.interrupted == "cancelled":
            stopped_by = "cancelled"
            break  # no validation of a partial epoch: the user wants the job gone
        record = _validate_epoch(session, epoch, progress)
        _save_last(session, record)
        reason = _stop_reason(session, progress)
        if reason is not None:
            stopped_by = reason
            break
    return _finish(session, stopped_by)


def _fit_baseline(context: SessionContext) -> TrainResult:
    """Fit a count baseline on the training sequences, validate it and keep it as the best.

    Returns:
        A one-epoch result (epoch 0, loss NaN) stopped by "fit".
    """
    model, split = context.model, context.split
    start = time.perf_counter()
    model.fit(torch.from_numpy(split.train.offsets), torch.from_numpy(split.train.items))
    metrics = context.validate(model)
    context.save_best(model, 0, metrics)
    elapsed = time.perf_counter() - start
    context.emit(ProgressEvent("done", 0, 0, math.nan, 0.0, 0.0, elapsed, metrics))
    record = EpochRecord(0, math.nan, 0.0, elapsed, elapsed, metrics)
    return TrainResult(model.eval(), context.device.type, 0, metrics, "fit", elapsed, [record])


@dataclass
class EpochProgress:
    """How far one epoch's optimizer steps got."""

    started: float  # `time.perf_counter()` at the epoch's start
    total_loss: float = 0.0  # summed over the epoch's steps
    seen: int = 0  # training sequences, all ranks together
    steps: int = 0
    train_s: float = 0.0  # seconds of optimizer steps, set when the epoch ends
    interrupted: str | None = None  # "cancelled" or "time budget" when it ended early


def _epoch_batches(
    dataset: NextItemDataset, config: TrainConfig, rng: np.random.Generator
) -> list[np.ndarray]:
    """This rank's share of the epoch's batches (index arrays), by length or shuffled."""
    if config.group_by_length:
        batches = length_grouped_batches(dataset.lengths, config.batch_size, rng)
    else:
        order = rng.permutation(len(dataset))
        batches = [
            order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)
        ]
    return distributed.shard(batches)


def _train_epoch(session: TrainingSession, epoch: int) -> EpochProgress:
    """One epoch of optimizer steps, reporting every `log_every` steps.

    Ends early, on every rank together, when any rank is cancelled or over the budget.
    """
    config, device = session.context.config, session.context.device
    batches = _epoch_batches(session.dataset, config, session.rng)
    loader = DataLoader(session.dataset, batch_sampler=batches, collate_fn=collate)
    session.net.train()
    progress = EpochProgress(started=time.perf_counter())
    for batch in loader:
        batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
        loss = _optimizer_step(session, batch)
        session.loop.step, progress.steps = session.loop.step + 1, progress.steps + 1
        progress.total_loss += loss.item()
        progress.seen += len(batch["input_ids"]) * session.world
        elapsed = time.perf_counter() - session.start
        if session.loop.step % config.log_every == 0:
            _report_step(session, epoch, progress, len(batches), elapsed)
        progress.interrupted = _interruption(session, elapsed)
        if progress.interrupted is not None:
            break
    progress.train_s = time.perf_counter() - progress.started
    return progress


def _clip_gradients(model: torch.nn.Module, max_norm: float) -> None:
    """Scale every gradient so that their global norm is at most `max_norm`, as
    `clip_grad_norm_` does, sparse ones (the id table's rows) included, which it refuses."""
    params = [p for p in model.parameters() if p.grad is not None]
    sparse = [p for p in params if p.grad is not None and p.grad.is_sparse]
    if not sparse:
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        return
    for p in sparse:
        p.grad = p.grad.coalesce()  # a row read twice in a step is one row of the gradient
    dense = [p.grad for p in params if p.grad is not None and not p.grad.is_sparse]
    norms = [p.grad.values().norm() for p in sparse if p.grad is not None]
    if dense:
        norms.append(torch.nn.utils.get_total_norm(dense))
    scale = (max_norm / (torch.stack(norms).norm() + 1e-6)).clamp(max=1.0)
    for p in params:
        if p.grad is not None:
            p.grad = p.grad * scale if p.grad.is_sparse else p.grad.mul_(scale)


def _optimizer_step(session: TrainingSession, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Forward, backward, clip, step and average the weights on one batch; the () loss."""
    config, model = session.context.config, session.context.model
    with autocast_for(session.context.device):
        loss = session.net(batch)
    optimizers = [o for o in (session.optimizer, session.sparse_optimizer) if o is not None]
    for optimizer in optimizers:
        optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if config.grad_clip > 0:
        _clip_gradients(model, config.grad_clip)
    for optimizer in optimizers:
        optimizer.step()
    if session.ema is not None:
        session.ema.update_parameters(model)
    return loss


def _report_step(
    session: TrainingSession, epoch: int, progress: EpochProgress, batches: int, elapsed: float
) -> None:
    """Emit a "step" event: mean loss so far, speed, and the time to the cap or budget."""
    config = session.context.config
    speed = progress.seen / max(time.perf_counter() - progress.started, 1e-9)
    left = (batches - progress.steps) + (config.epochs - epoch - 1) * batches
    eta = min(left * config.batch_size * session.world / speed, max(session.budget_s - elapsed, 0))
    mean_loss = progress.total_loss / progress.steps
    session.context.emit(
        ProgressEvent("step", epoch, session.loop.step, mean_loss, speed, eta, elapsed)
    )


def _interruption(session: TrainingSession, elapsed: float) -> str | None:
    """ "cancelled", "time budget" or None, agreed by every rank (any rank's reason counts)."""
    cancel, over = session.context.should_stop(), elapsed > session.budget_s
    if not distributed.any_rank(cancel or over, session.context.device):
        return None
    return "cancelled" if distributed.any_rank(cancel, session.context.device) else "time budget"


def _validate_epoch(session: TrainingSession, epoch: int, progress: EpochProgress) -> EpochRecord:
    """Validate the epoch's weights, keep them if best, decay the rate on a plateau, report.

    Returns:
        The epoch's record, also appended to `session.history`.
    """
    context, loop = session.context, session.loop
    eval_start = time.perf_counter()
    metrics = context.validate(session.scored())
    eval_s = time.perf_counter() - eval_start
    elapsed = time.perf_counter() - session.start
    mean_loss = progress.total_loss / max(progress.steps, 1)
    speed = progress.seen / max(progress.train_s, 1e-9)
    record = EpochRecord(epoch, mean_loss, progress.train_s, eval_s, elapsed, metrics, speed)
    session.history.append(record)
    if metrics[VALID_METRIC] > loop.best_metric:
        loop.best_metric, loop.best_epoch, loop.best_metrics = metrics[VALID_METRIC], epoch, metrics
        loop.waited = 0
        session.best_state = {
            k: v.detach().clone() for k, v in session.scored().state_dict().items()
        }
        context.save_best(session.scored(), epoch, metrics)
    else:
        loop.waited += 1
    if session.scheduler is not None:
        session.scheduler.step(metrics[VALID_METRIC])
        loop.scheduler = session.scheduler.state_dict()
    learning_rate = session.optimizer.param_groups[0]["lr"]
    if session.sparse_optimizer is not None:  # the plateau decay holds for every row too
        for group in session.sparse_optimizer.param_groups:
            group["lr"] = learning_rate
    context.emit(
        ProgressEvent(
            "epoch", epoch, loop.step, mean_loss, speed, None, elapsed, metrics, learning_rate
        )
    )
    return record


def _save_last(session: TrainingSession, record: EpochRecord) -> None:
    """Advance the loop state past `record`'s epoch and save it to `out_dir/last` (rank 0)."""
    loop, context = session.loop, session.context
    loop.next_epoch, loop.elapsed_s = record.epoch + 1, record.elapsed_s
    loop.history = [asdict(r) for r in session.history]
    if context.out_dir is not None and context.main:
        train_state.save_last(
            context.out_dir,
            context.model,
            session.optimizer,
            loop,
            session.rng,
            session.ema,
            session.sparse_optimizer,
        )


def _stop_reason(session: TrainingSession, progress: EpochProgress) -> str | None:
    """Why training ends after a validated epoch ("time budget", "early stopping") or None."""
    if progress.interrupted == "time budget":
        return "time budget"
    if session.loop.waited >= session.context.config.patience:
        return "early stopping"
    return None


def _finish(session: TrainingSession, stopped_by: str) -> TrainResult:
    """Put the best weights back, emit "done" and return the result."""
    context, loop = session.context, session.loop
    context.model.load_state_dict(session.best_state)
    seconds = time.perf_counter() - session.start
    context.emit(
        ProgressEvent(
            "done", loop.best_epoch, loop.step, math.nan, 0.0, 0.0, seconds, loop.best_metrics
        )
    )
    return TrainResult(
        context.model.eval(),
        context.device.type,
        loop.best_epoch,
        loop.best_metrics,
        stopped_by,
        seconds,
        session.history,
        session.world,
    )
