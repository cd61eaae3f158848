"""Attention maps of one sequence, attention rollout across layers, the final position's row.

An explainer takes the model's `attention_maps` callable (per layer, (B, heads, L', L')
query × key weights), never a model class. The *final position* is the query the scores
are read from: the newest event for SASRec, the appended [MASK] for BERT4Rec, whose
extra slot is the last key too (`extra_slots`). Rollout (Abnar & Zuidema, ACL 2020)
multiplies the head-averaged maps of all layers, each mixed half-and-half with the
identity for the residual connection and renormalised per row, so it estimates how much
each input position flows into each output position. Attention is a description of the
computation, not an attribution: faithfulness checks say how far to trust it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

# (input_ids (B, L), attention_mask (B, L), event_type_ids (B, L)) -> per layer (B, h, L', L')
AttentionFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, ...]]


@dataclass(frozen=True)
class AttentionSummary:
    """One sequence's attention.

    Attributes:
        layers: per layer, (heads, Q, K) weights; Q = K = events + extra slots.
        rollout: (Q, K) attention rollout across all layers.
        final: (L,) the final position's attention to each event, last layer, head mean.
        final_rollout: (L,) the final position's rollout row over the events.
        extra_slots: positions after the events (BERT4Rec's [MASK]: 1; SASRec: 0).
    """

    layers: list[np.ndarray]
    rollout: np.ndarray
    final: np.ndarray
    final_rollout: np.ndarray
    extra_slots: int


def attention_rollout(layers: Sequence[np.ndarray], residual: float = 0.5) -> np.ndarray:
    """Rollout of per-layer attention maps (oldest layer first).

    Args:
        layers: per layer, (heads, Q, Q) weights of one sequence.
        residual: weight of the identity mixed into each layer (the skip connection).

    Returns:
        (Q, Q): row q says how much each input position flows into output position q.
    """
    size = layers[0].shape[-1]
    flow = np.eye(size)
    for weights in layers:
        mixed = (1.0 - residual) * weights.mean(axis=0) + residual * np.eye(size)  # (Q, Q)
        mixed = mixed / mixed.sum(axis=1, keepdims=True)
        flow = mixed @ flow
    return flow


def summarize_attention(
    attention_fn: AttentionFn, input_ids: torch.Tensor, event_type_ids: torch.Tensor
) -> AttentionSummary:
    """Attention maps, rollout and final-position rows of one sequence.

    Args:
        attention_fn: the model's `attention_maps`.
        input_ids: (L,) item indices of the sequence (the model's window, no padding).
        event_type_ids: (L,) their event types.

    Returns:
        The summary; `final` and `final_rollout` have one value per event.
    """
    ids = input_ids.view(1, -1)
    with torch.no_grad():
        maps = attention_fn(ids, torch.ones_like(ids), event_type_ids.view(1, -1))
    layers = [m[0].double().numpy() for m in maps]  # each (heads, Q, Q)
    events = ids.shape[1]
    extra = layers[0].shape[-1] - events
    rollout = attention_rollout(layers)
    return AttentionSummary(
        layers=layers,
        rollout=rollout,
        final=layers[-1].mean(axis=0)[-1, :events],
        final_rollout=rollout[-1, :events],
        extra_slots=extra,
    )
