"""Data-parallel training across processes (`torchrun`), and the single-process default.

Under `torchrun --nproc-per-node N -m seqrec_core train ...` every process runs the same
command; `init_from_env` joins them into one process group (NCCL on CUDA, gloo on CPU).
Each rank trains on its own share of every epoch's batches through
DistributedDataParallel, which averages gradients, so the weights stay identical on every
rank; only rank 0 validates, saves checkpoints and writes the run's files, and it
broadcasts its decisions (metrics, stop) so every rank leaves the loop together. Without
`torchrun` (WORLD_SIZE unset or 1) all of this is a no-op.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

import torch
import torch.distributed as dist

T = TypeVar("T")


def env_world_size() -> int:
    """WORLD_SIZE as set by torchrun (1 when not launched by it)."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def is_distributed() -> bool:
    """Whether a process group with more than one process is active."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank_and_size() -> tuple[int, int]:
    """(this process's rank, number of processes); (0, 1) outside torchrun."""
    if not is_distributed():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def is_main() -> bool:
    """Whether this process is rank 0 (always true outside torchrun)."""
    return rank_and_size()[0] == 0


def local_rank() -> int:
    """LOCAL_RANK as set by torchrun: this process's GPU index on its node."""
    return int(os.environ.get("LOCAL_RANK", "0") or 0)


def init_from_env(use_cuda: bool) -> bool:
    """Join the torchrun process group (once); False when there is none to join."""
    if env_world_size() <= 1 or not dist.is_available():
        return False
    if not dist.is_initialized():
        if use_cuda:
            torch.cuda.set_device(local_rank())
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return True


def shutdown() -> None:
    """Leave the process group (a no-op outside torchrun)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def broadcast(value: T) -> T:
    """Rank 0's `value` on every rank (a picklable object; it never leaves the job)."""
    if not is_distributed():
        return value
    box: list[Any] = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def any_rank(flag: bool, device: torch.device) -> bool:
    """True on every rank when `flag` is true on at least one (a collective call)."""
    if not is_distributed():
        return flag
    # gloo reduces CPU tensors, NCCL CUDA tensors.
    where = device if device.type == "cuda" else torch.device("cpu")
    value = torch.tensor([1.0 if flag else 0.0], device=where)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def shard(batches: list[T]) -> list[T]:
    """This rank's share of an epoch's batches; every rank gets the same number."""
    rank, size = rank_and_size()
    if size == 1:
        return batches
    per_rank = len(batches) // size
    return batches[rank::size][:per_rank]
