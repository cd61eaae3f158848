"""Runs as people read them: the comparison table and a live progress summary.

The Train page and the review report show runs through these, so the same numbers carry
the same names everywhere (`test HR@10`, not a JSON key).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from seqrec_core.models.names import NEURAL_MODELS
from seqrec_core.report.numbers import duration
from seqrec_core.runs.registry import RUNNING, RunInfo

TABLE_METRICS = ("HR@10", "NDCG@10", "HR@20", "NDCG@20", "MRR", "coverage@10", "popularity@10")


def run_table(
    infos: Sequence[RunInfo], live: Mapping[str, LiveProgress] | None = None
) -> pd.DataFrame:
    """One row per run: status, device, timing and test metrics (validation NDCG@10 too).

    Columns: `run`, `label` (model + short id), `model`, `status`, `progress` (0..1, active
    runs only), `split`, `device`, `created`, `epochs`, `best epoch`, `stopped by`,
    `minutes`, `valid NDCG@10`, one column per `TABLE_METRICS` entry (test split) and
    `error`. Baselines are counted, not trained: their `epochs` and `best epoch` are empty.

    Args:
        live: run id → `live_progress` of the active runs, so that an active run's row shows
            the same epochs and best validation NDCG@10 as its live panel.
    """
    rows = []
    for info in infos:
        result = info.result
        test = result.get("test_metrics") or {}
        valid = result.get("metrics") or {}
        seconds = result.get("seconds")
        now = (live or {}).get(info.run_id) if info.active else None
        trained = info.model in NEURAL_MODELS
        rows.append(
            {
                "run": info.run_id,
                "label": f"{info.model} · {info.run_id[-4:]}",
                "model": info.model,
                "status": info.status,
                "progress": now.fraction if now is not None else None,
                "split": info.request.get("split", "leave_one_out"),
                "device": info.device,
                "created": info.created_at,
                "epochs": _epochs(result, now) if trained else None,
                "best epoch": _plus_one(result.get("best_epoch")) if trained else None,
                "stopped by": result.get("stopped_by"),
                "minutes": seconds / 60 if isinstance(seconds, int | float) else None,
                "valid NDCG@10": now.best_ndcg if now is not None else valid.get("NDCG@10"),
                **{metric: test.get(metric) for metric in TABLE_METRICS},
                "error": info.error,
            }
        )
    columns = [
        "run",
        "label",
        "model",
        "status",
        "progress",
        "split",
        "device",
        "created",
        "epochs",
        "best epoch",
        "stopped by",
        "minutes",
        "valid NDCG@10",
        *TABLE_METRICS,
        "error",
    ]
    return pd.DataFrame(rows, columns=columns)


def _epochs(result: dict[str, Any], now: LiveProgress | None) -> int | None:
    """Epochs run: the live panel's epoch while a run is active, else the final count."""
    return now.epoch if now is not None else result.get("epochs")


def _plus_one(epoch: Any) -> int | None:
    """0-based epoch → the 1-based number people count."""
    return int(epoch) + 1 if isinstance(epoch, int) and epoch >= 0 else None


@dataclass(frozen=True)
class LiveProgress:
    """How far an active run is, in words and as a 0..1 fraction for a progress bar."""

    fraction: float
    text: str
    best_ndcg: float | None
    epoch: int | None = None  # the 1-based epoch `text` names; None before the first event


def live_progress(info: RunInfo, events: Sequence[dict[str, Any]]) -> LiveProgress:
    """Summarise an active run's progress events (epochs, loss, speed, ETA)."""
    settings = info.request.get("train_settings", {})
    epochs_cap = int(settings.get("epochs", 200))
    budget = settings.get("max_minutes")
    if info.status != RUNNING or not events:
        return LiveProgress(0.0, "Waiting for the worker to start (loading the data)…", None)
    last = events[-1]
    done_epochs = sum(1 for e in events if e["kind"] == "epoch")
    best = max((e["metrics"]["NDCG@10"] for e in events if e.get("metrics")), default=None)
    if last["kind"] == "test":  # training is over; the final test ranks every test shopper
        done, total = int(last["done"]), max(int(last["total"]), 1)
        text = (
            f"training done; testing the best model: {done:,} of {total:,} test shoppers "
            f"ranked · {duration(last['elapsed_s'])} so far"
        )
        return LiveProgress(done / total, text, best, last["epoch"] + 1)
    fraction = done_epochs / epochs_cap
    if budget:
        fraction = max(fraction, last["elapsed_s"] / (60 * float(budget)))
    parts = [f"epoch {last['epoch'] + 1}", f"step {last['step']:,}"]
    if isinstance(last.get("loss"), float) and not math.isnan(last["loss"]):
        parts.append(f"loss {last['loss']:.4f}")
    if last.get("examples_per_s"):
        parts.append(f"{last['examples_per_s']:,.0f} sequences/s")
    if best is not None:
        parts.append(f"best validation NDCG@10 {best:.4f}")
    if last.get("eta_s") is not None:
        parts.append(f"at most {duration(last['eta_s'])} left")
    parts.append(f"{duration(last['elapsed_s'])} so far")
    return LiveProgress(min(fraction, 1.0), " · ".join(parts), best, last["epoch"] + 1)
