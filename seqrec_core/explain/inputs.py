"""The input side of an explanation: which events of a user a model reads, and its ranking.

A model reads only the newest events of a user (its *window*: `max_len`, or
`max_len - 1` for BERT4Rec, whose [MASK] takes a slot); older events cannot change a
score. `user_history` cuts that window out of a run's sequences, `supported_methods`
says which explainers a model has, `first_recommendations` ranks the catalog for it
(history items excluded by default, as in evaluation), and `explanation_inputs` gathers
what every explainer of one request reads: the window, the ranking and the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqrec_core.data.sequences import SequenceData
from seqrec_core.errors import InputError
from seqrec_core.explain.model_protocols import (
    AttentionModel,
    EmbeddingScoringModel,
    WindowedModel,
)
from seqrec_core.explain.options import METHODS
from seqrec_core.explain.rescoring import excluded_items, score_variants, top_items
from seqrec_core.models import Recommender

TOP_K = 10


@dataclass(frozen=True)
class History:
    """The events of one user that a model reads, oldest first.

    Attributes:
        user_id: the external user id.
        item_ids: (L,) external item ids; event_types: (L,) event-type words.
        timestamps: (L,) int64 nanoseconds since the epoch (UTC).
        input_ids: (L,) item indices; event_type_ids: (L,) event-type indices.
        skipped: older events of the user outside the model's window.
    """

    user_id: str
    item_ids: tuple[str, ...]
    event_types: tuple[str, ...]
    timestamps: np.ndarray
    input_ids: np.ndarray
    event_type_ids: np.ndarray
    skipped: int = 0


def model_window(model: Recommender) -> int:
    """How many of the newest events the model reads when it scores.

    Returns:
        The model's `history_window` (a `WindowedModel`), else `config.max_len`.
    """
    if isinstance(model, WindowedModel):
        return int(model.history_window)
    return int(model.config.max_len)


def supported_methods(model: Recommender) -> tuple[str, ...]:
    """The explainers `model` supports, in `METHODS` order.

    Attention needs an `AttentionModel`; Integrated Gradients a trainable
    `EmbeddingScoringModel` (baselines have no gradients); occlusion only scores.
    """
    has = {
        "attention": isinstance(model, AttentionModel),
        "ig": model.trainable and isinstance(model, EmbeddingScoringModel),
        "occlusion": True,
    }
    return tuple(m for m in METHODS if has[m])


def user_history(data: SequenceData, user_id: str, window: int) -> History:
    """The last `window` events of `user_id` in `data`.

    Raises:
        InputError: unknown user, or a user without events.
    """
    if user_id not in data.users:
        raise InputError(
            f"unknown user {user_id!r}", hint="use a user id as it appears in the events file"
        )
    seqs = data.sequences
    row = data.users.index(user_id) - 1  # one row per user, sorted by user index
    start, end = int(seqs.offsets[row]), int(seqs.offsets[row + 1])
    if end == start:
        raise InputError(f"user {user_id!r} has no events to explain")
    first = max(start, end - window)
    ids, types = seqs.items[first:end], seqs.event_types[first:end]
    return History(
        user_id=user_id,
        item_ids=tuple(data.items.decode(ids)),
        event_types=tuple(data.event_types.decode(types)),
        timestamps=data.timestamps[first:end],
        input_ids=ids.astype(np.int64),
        event_type_ids=types.astype(np.int64),
        skipped=first - start,
    )


def ranking(
    model: Recommender, ids: torch.Tensor, types: torch.Tensor, exclude_seen: bool, k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(1, V) scores, (V,) excluded items and the (k,) best item indices of one sequence."""
    keep = torch.ones(1, len(ids), dtype=torch.bool)
    full = score_variants(model.score_items, ids, types, keep)
    excluded = excluded_items(full.shape[1], ids, exclude_seen=exclude_seen)
    return full, excluded, top_items(full, excluded, min(k, int((~excluded).sum())))[0]


def first_recommendations(
    model: Recommender,
    data: SequenceData,
    user_id: str,
    *,
    k: int = TOP_K,
    exclude_seen: bool = True,
) -> list[tuple[str, float]]:
    """The user's first `k` recommendations as (item id, score), best first.

    Raises:
        InputError: unknown user, or a user without events.
    """
    history = user_history(data, user_id, model_window(model))
    ids, types = torch.from_numpy(history.input_ids), torch.from_numpy(history.event_type_ids)
    full, _, ranked = ranking(model, ids, types, exclude_seen, k)
    return [(data.items.decode([i])[0], float(full[0, i])) for i in ranked.tolist()]


@dataclass(frozen=True)
class ExplanationInputs:
    """One user's window as the explainers read it, the model's ranking and the target."""

    history: History
    ids: torch.Tensor  # (L,) item indices of the window, oldest first
    types: torch.Tensor  # (L,) their event-type indices
    scores: torch.Tensor  # (1, V) the model's scores after the window
    excluded: torch.Tensor  # (V,) bool: items left out of rankings
    ranked: torch.Tensor  # (k ≤ TOP_K,) the best item indices, best first
    top: list[tuple[str, float]]  # the same as (item id, score)
    target: int  # the item index explained


def explanation_inputs(
    model: Recommender,
    data: SequenceData,
    user_id: str,
    *,
    target: str | None = None,
    exclude_seen: bool = True,
) -> ExplanationInputs:
    """The user's window, the model's ranking of it and the target item.

    Args:
        model: the model explained.
        data: the run's sequences and vocabularies.
        user_id: the external user id.
        target: the external item id to explain; None: the first recommendation.
        exclude_seen: rank without the items already in the window.

    Raises:
        InputError: unknown user or target item, or a user without events.
    """
    history = user_history(data, user_id, model_window(model))
    ids = torch.from_numpy(history.input_ids)
    types = torch.from_numpy(history.event_type_ids)
    full, excluded, ranked = ranking(model, ids, types, exclude_seen, TOP_K)
    top = [(data.items.decode([i])[0], float(full[0, i])) for i in ranked.tolist()]
    index = int(ranked[0]) if target is None else _item_index(data, target)
    return ExplanationInputs(history, ids, types, full, excluded, ranked, top, index)


def _item_index(data: SequenceData, item_id: str) -> int:
    if item_id not in data.items:
        raise InputError(
            f"unknown target item {item_id!r}", hint="pick an item id of the run's catalog"
        )
    return data.items.index(item_id)
