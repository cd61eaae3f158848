"""Switching a HuggingFace backbone's attention kernel for one call.

The transformer recommenders train and score with PyTorch's SDPA kernel; only the eager
kernel returns attention weights, so `attention_maps` swaps it in temporarily. One
process-wide lock keeps two callers sharing a cached model from restoring each other's
kernel midway (it lives here, not on the model, so models stay deep-copyable).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from transformers import PreTrainedModel

from seqrec_core.checks import check_choice

ATTENTION_KERNELS = ("sdpa", "eager")
_KERNEL_LOCK = threading.RLock()


@contextmanager
def swapped_attention_kernel(backbone: PreTrainedModel, kernel: str) -> Iterator[None]:
    """Run `backbone` with `kernel` ("sdpa" or "eager") inside the block, then restore it.

    Raises:
        ConfigError: `kernel` is not one of `ATTENTION_KERNELS`.
    """
    check_choice("attention kernel", kernel, ATTENTION_KERNELS)
    with _KERNEL_LOCK:
        previous = backbone.config._attn_implementation
        backbone.set_attn_implementation(kernel)
        try:
            yield
        finally:
            backbone.set_attn_implementation(previous)


class SwappableAttention:
    """`attention_kernel` for a model whose HuggingFace transformer is `self.backbone`.
    A mixin: list it before `Recommender`."""

    backbone: PreTrainedModel

    @contextmanager
    def attention_kernel(self, kernel: str) -> Iterator[None]:
        """Temporarily run the backbone with another attention kernel ("sdpa"/"eager")."""
        with swapped_attention_kernel(self.backbone, kernel):
            yield
