"""What training is told and what it reports: the training config, progress events, results.

`TrainConfig` is the one frozen, validated settings object of every trainable model (saved
as JSON beside each checkpoint); `ProgressEvent`s go to the worker's progress file;
`TrainResult` is what `seqrec_core.training.loop.train` returns. Free of torch, so a
request can be validated before a model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from seqrec_core.checks import check_choice, check_range
from seqrec_core.training.device_names import DEVICES

if TYPE_CHECKING:  # only for annotations: importing models would load torch
    from seqrec_core.models.base import Recommender


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
    # Validation shoppers that early stopping reads: a fixed sample drawn with `seed`, so
    # one validation stays seconds long on a shop of millions; 0: every shopper. The test
    # after training has its own setting, `test_sample`.
    valid_sample: int = 10_000
    # Test shoppers the final test ranks: 0 (the default) ranks every shopper; a number
    # ranks a fixed sample of that many and reports a 95% interval beside NDCG@10 and HR@10.
    test_sample: int = 0
    exclude_history: bool = True  # validation ranks without the user's own history items
    group_by_length: bool = True  # batch similar lengths together (much faster on CPU)
    log_every: int = 50  # steps between step events
    # Learning-rate decay: multiply the rate by lr_decay after this many validations
    # without a better NDCG@10 (torch's ReduceLROnPlateau); 0 keeps the rate constant.
    # On Beauty it lifts SASRec's best validation NDCG@10 from ~0.062 to ~0.065.
    lr_decay_patience: int = 2
    lr_decay: float = 0.3
    # Validate and keep an exponential moving average of the weights (per step) instead
    # of the raw weights; 0 turns it off, 0.999 averages over about the last 1000 steps.
    ema_decay: float = 0.0

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
        check_range("valid_sample", self.valid_sample, 0, model=m)
        check_range("test_sample", self.test_sample, 0, model=m)
        check_range("log_every", self.log_every, 1, model=m)
        check_range("lr_decay_patience", self.lr_decay_patience, 0, model=m)
        check_range("lr_decay", self.lr_decay, 0.01, 0.99, model=m)
        check_range("ema_decay", self.ema_decay, 0.0, 0.99999, model=m)

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
    learning_rate: float | None = None  # the rate the next steps use ("epoch")

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
    examples_per_s: float = 0.0  # training sequences per second of optimizer steps


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
