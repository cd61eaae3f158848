"""Where a model runs: device choice, mixed precision, seeding, and a device's name.

`resolve_device("auto")` picks CUDA, then Apple MPS, then the CPU. On CUDA training runs
under bf16 autocast with TF32 matmuls (`autocast_for`, `enable_fast_math`); on the CPU
it runs in float32 and a fixed seed gives bit-identical runs.

Training and the CLI use torch's own thread count (one per core, `TRAINING_THREADS`).
The app's server answers many small requests at once (a shopper's scores, one query's
embedding); there `use_serve_threads` runs each torch operation on one thread
(`SEQREC_SERVE_THREADS` to change), as inference servers do: on two cores a request
spread over both waits for the other session's work and for thread wake-ups
(`benchmarks/search.py`, `--serve-threads` against `--threads`).
"""

from __future__ import annotations

import os
import platform
import random
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import torch

from seqrec_core.errors import ConfigError
from seqrec_core.training import distributed
from seqrec_core.training.device_names import DEVICES  # torch-free home, for the CLI parser

# What a fresh process (a training worker, the CLI) uses: read before anything here changes it.
TRAINING_THREADS = torch.get_num_threads()
SERVE_THREADS_ENV = "SEQREC_SERVE_THREADS"


def resolve_device(name: str = "auto") -> torch.device:
    """The device `name` stands for; "auto" picks CUDA, then Apple MPS, then CPU.

    Under torchrun on CUDA each process gets the GPU of its LOCAL_RANK.

    Raises:
        ConfigError: an unknown name, or an explicitly requested accelerator is absent.
    """
    if name not in DEVICES:
        raise ConfigError(f"device = {name!r} is not one of {', '.join(DEVICES)}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    if (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise ConfigError(f"device {name!r} is not available here; use device 'auto' or 'cpu'")
    if name == "cuda":
        return torch.device("cuda", distributed.local_rank() if distributed.is_distributed() else 0)
    return torch.device(name)


def describe_device(name: str = "auto") -> str:
    """A human-readable name of the device `name` resolves to, e.g. `NVIDIA H200 (CUDA)`."""
    try:
        device = resolve_device(name)
    except ConfigError as error:
        return str(error)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{props.name} (CUDA, {props.total_memory / 2**30:.0f} GiB)"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = f"{TRAINING_THREADS} thread{'s' if TRAINING_THREADS > 1 else ''}"
    return f"CPU ({platform.processor() or platform.machine()}, {threads})"


def serve_threads() -> int:
    """Torch threads per operation in the app's server: env `SEQREC_SERVE_THREADS`, else 1.

    Raises:
        ConfigError: the setting is not a whole number of at least 1.
    """
    raw = os.environ.get(SERVE_THREADS_ENV, "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{SERVE_THREADS_ENV} = {raw!r}: give a whole number of threads, e.g. 1")
    return int(raw)


def use_serve_threads() -> int:
    """Run this process's torch operations on `serve_threads()` threads; returns that number.

    The setting is process-wide (every thread's operations), and training workers are
    separate processes, so training keeps `TRAINING_THREADS`.
    """
    threads = serve_threads()
    torch.set_num_threads(threads)
    return threads


def enable_fast_math(device: torch.device) -> None:
    """TF32 matmuls and convolutions on CUDA (a no-op elsewhere)."""
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def autocast_for(device: torch.device) -> AbstractContextManager[object]:
    """bf16 autocast on CUDA, nothing elsewhere (CPU training stays float32)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) for a reproducible run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
