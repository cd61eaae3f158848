"""Training: the epoch loop, early stopping, time budget, cancel, resume, progress events.

`train` takes a built model and a split and returns the model holding its best weights
(by validation NDCG@10) with a per-epoch record. On CUDA it trains under bf16 autocast
with TF32 matmuls; on the CPU a fixed seed gives bit-identical runs, resumed or not.
Progress goes to a callback as `ProgressEvent`s (the worker appends them to a file).
Under torchrun the model is wrapped in DistributedDataParallel and every rank trains on
its share of the batches (`seqrec_core.training.distributed`). Count-based baselines are `fit`.

With `out_dir`, the best weights go to `out_dir/best` (a checkpoint) and, after every
epoch, the whole loop state to `out_dir/last` (`seqrec_core.training.state`), from which
`resume=True` continues.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from seqrec_core.data.sequences import NextItemDataset, Split, collate, length_grouped_batches
from seqrec_core.data.vocab import Vocab
from seqrec_core.models.base import Recommender
from seqrec_core.models.checkpoint import save_checkpoint
from seqrec_core.training import distributed
from seqrec_core.training import state as train_state
from seqrec_core.training.config import EpochRecord, ProgressEvent, TrainConfig, TrainResult
from seqrec_core.training.devices import (
    autocast_for,
    enable_fast_math,
    resolve_device,
    seed_everything,
)
from seqrec_core.training.evaluation import DEFAULT_KS, evaluate, training_popularity
from seqrec_core.training.state import LoopState

VALID_METRIC = "NDCG@10"

__all__ = ["EpochRecord", "ProgressEvent", "TrainConfig", "TrainResult", "train"]


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

    def scored() -> Recommender:
        """The weights that are validated and kept: the average, when there is one."""
        return ema.module if ema is not None else model  # type: ignore[return-value]

    def validate() -> dict[str, float]:
        metrics = None
        if main:
            metrics = evaluate(
                scored(),
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
            save_checkpoint(Path(out_dir) / "best", scored(), vocabs, extra=extra)

    ema = None
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
    ema = train_state.averaged_model(model, config)
    loop = LoopState()
    if resume:
        loop = train_state.restore(Path(out_dir or "."), model, optimizer, rng, ema)
    scheduler = train_state.plateau_scheduler(optimizer, config, loop.scheduler)
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    if resume and loop.best_epoch >= 0:
        best_state = train_state.load_best(Path(out_dir or "."), model, best_state)
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
            if ema is not None:
                ema.update_parameters(model)
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
            best_state = {k: v.detach().clone() for k, v in scored().state_dict().items()}
            save_best(epoch, metrics)
        else:
            loop.waited += 1
        if scheduler is not None:
            scheduler.step(metrics[VALID_METRIC])
            loop.scheduler = scheduler.state_dict()
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
                optimizer.param_groups[0]["lr"],
            )
        )
        loop.next_epoch, loop.elapsed_s = epoch + 1, elapsed
        loop.history = [asdict(r) for r in history]
        if out_dir is not None and main:
            train_state.save_last(Path(out_dir), model, optimizer, loop, rng, ema)
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
