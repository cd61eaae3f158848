"""Personalised ranking of search candidates: the blend, the order, the moves and their reasons.

The final score of a candidate is (1 − w) · text relevance + w · model relevance, both min-max
scaled to [0, 1] over the candidates (`hybrid.minmax_over`), with w the personalisation
weight: 0 ranks by text alone (the same list for every shopper), 1 by the shopper's model
score alone (the model's ranking restricted to the items that match). Ties are broken by text
relevance, then by popularity, then by item index, so a list is the same on every run.

A personalised hit says why it moved against the list everyone sees: the past event whose
removal lowers the item's model score most, found by exact leave-one-out re-scoring (the
recommender's reasons, the same the Recommend page shows), e.g. "up 7 places: you viewed
Trail Runner 2".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from seqrec_core.checks import check_range
from seqrec_core.data.sequences import Sequences
from seqrec_core.recommend.recommender import _VERBS, Event, RunRecommender
from seqrec_core.search.hybrid import minmax_over

WEIGHTS = tuple(round(0.1 * step, 1) for step in range(11))  # the weights evaluation tries


def blend(
    text: np.ndarray, model: np.ndarray | None, candidates: np.ndarray, weight: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Final scores of a batch: (1 − w) · text + w · model over each row's candidates.

    Args:
        text: (Q, V) text relevance.
        model: (Q, V) model scores of each row's shopper, or None (not personalised).
        candidates: (Q, V) bool, the items each row may rank.
        weight: the personalisation weight w in [0, 1] (ignored without `model`).

    Returns:
        (final, text_scaled, model_scaled): (Q, V) float32 each, -inf / 0 outside the
        candidates; `model_scaled` is None without `model`.

    Raises:
        ConfigError: `weight` outside [0, 1].
    """
    check_range("personalization", weight, 0.0, 1.0)
    text_scaled = minmax_over(text, candidates)
    if model is None:
        final = text_scaled
        model_scaled = None
    else:
        model_scaled = minmax_over(model, candidates)
        final = (1.0 - weight) * text_scaled + weight * model_scaled
    return np.where(candidates, final, -np.inf).astype(np.float32), text_scaled, model_scaled


def ranked(
    final: np.ndarray, text: np.ndarray, popularity: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Candidate item indices of one query, best first (ties: text, popularity, index).

    Args:
        final, text, candidates: (V,) one row of `blend`'s answer and the candidate mask.
        popularity: (V,) training events per item.
    """
    rows = np.flatnonzero(candidates)
    order = np.lexsort((rows, -popularity[rows], -text[rows], -final[rows]))
    return rows[order]


def lexicographic_ranks(keys: Sequence[np.ndarray], targets: np.ndarray) -> np.ndarray:
    """(B,) 0-based rank of each target under `ranked`'s order over all items.

    Args:
        keys: (B, V) arrays, most significant first, higher is better; the last tie-break
            is the item index (lower first), as in `ranked`.
        targets: (B,) item index of each row's target.
    """
    rows = np.arange(len(targets))
    before = np.zeros(keys[0].shape, dtype=bool)  # items ranked before the target so far
    tied = np.ones(keys[0].shape, dtype=bool)  # items equal to the target on every key so far
    for key in keys:
        value = key[rows, targets][:, None]  # (B, 1)
        before |= tied & (key > value)
        tied &= key == value
    before |= tied & (np.arange(keys[0].shape[1]) < targets[:, None])
    return before.sum(axis=1)


def describe_move(move: int) -> str:
    """ "up 7 places", "down 1 place", "same place" (a move against the list everyone sees)."""
    if move == 0:
        return "same place as for everyone"
    places = f"{abs(move)} place{'s' if abs(move) != 1 else ''}"
    return f"up {places}" if move > 0 else f"down {places}"


def move_reasons(
    recommender: RunRecommender,
    history: Sequence[Event],
    top: np.ndarray,
    model_scores: torch.Tensor,
    moves: Sequence[int],
    encoded: Sequences,
) -> list[str]:
    """One line per personalised hit: its move and the past event that lifted it most.

    Args:
        top: (K,) item indices of the personalised list.
        model_scores: (V,) the shopper's model scores.
        moves: places up (+) or down (−) of each hit against the list everyone sees.
        encoded: `history` as the recommender encodes it.
    """
    why = recommender._reasons(history, encoded, top, model_scores)
    lines = []
    for (_, index), move in zip(why, moves, strict=True):
        head = describe_move(move)
        if move < 0:
            lines.append(f"{head}: other matches fit your history better")
        elif index is None:
            lines.append(f"{head}: popular with shoppers like you")
        else:
            event = history[index]
            verb = _VERBS.get(event.event_type or "", "interacted with")
            name = recommender.table.label(
                recommender.loaded.prepared.data.items.index(event.item_id)
            )
            lines.append(f"{head}: you {verb} {name}")
    return lines


def text_reason(lexical: float) -> str:
    """Why a hit is in the list everyone sees: its words, or its meaning."""
    return "matches the words searched" if lexical > 0 else "close in meaning to the search"
