"""The smallest set of past events whose removal changes the first recommendation.

"Without X and Y, the first recommendation would be Z." The search is guided by an
attribution (IG where the model has gradients, else occlusion) and decided by exact
re-scoring only: for size 1, 2, ... it scores every set of that size drawn from the most
attributed events (all events while the number of sets stays under a budget, fewer for
larger sizes), heaviest total attribution first in batches, and stops at the first set
that changes the top item: the heaviest set of the smallest size that does. It is
re-scored once more on its own. If every set of each smaller size was tried, the
answer is provably minimal (`proven_minimal`); otherwise it is the smallest found.
Past `max_size`, removing the most attributed events one after another is the fallback.

The budget of sets per size is 2,000 up to a catalog of 25,000 products and shrinks in
proportion above (`set_budget`, at least 200), so that one explanation scores about the
same number of products whatever the catalog: on a 230k-product shop each set costs nine
times what it costs on Beauty.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch

from seqrec_core.explain.faithfulness import deletion_order
from seqrec_core.explain.rescoring import (
    CHUNK_ROWS,
    ScoreFn,
    score_variants,
    top_items,
    top_variant_items,
)


@dataclass(frozen=True)
class Counterfactual:
    """A verified edit: remove these events and the first recommendation changes.

    Attributes:
        removed: positions (0 = oldest event of the window) removed, ascending.
        original_top: item index of the first recommendation with every event.
        new_top: item index of the first recommendation without `removed` (re-scored).
        new_top_score: its score then.
        proven_minimal: every smaller set of events was tried and none changed the top.
        candidates_scored: how many edited sequences the search scored.
    """

    removed: tuple[int, ...]
    original_top: int
    new_top: int
    new_top_score: float
    proven_minimal: bool
    candidates_scored: int


MAX_SETS, MIN_SETS = 2000, 200  # sets scored per size, small and large catalogs
SCORES_PER_SIZE = MAX_SETS * 25_000  # product scores one size may take


def set_budget(num_items: int) -> int:
    """The most sets scored per size for a catalog of `num_items` columns."""
    return int(min(MAX_SETS, max(MIN_SETS, SCORES_PER_SIZE // max(num_items, 1))))


def _pool_size(length: int, size: int, budget: int) -> int:
    """The most events whose `size`-subsets fit in `budget` (at least `size`)."""
    pool = size
    while pool < length and math.comb(pool + 1, size) <= budget:
        pool += 1
    return pool


def _keep_without(length: int, sets: np.ndarray) -> torch.Tensor:
    """(C, size) position sets → (C, L) bool keep masks."""
    keep = torch.ones(len(sets), length, dtype=torch.bool)
    keep[torch.arange(len(sets)).unsqueeze(1), torch.from_numpy(sets)] = False
    return keep


def _first_change(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    excluded: torch.Tensor,
    original: int,
    sets: np.ndarray,
) -> tuple[int | None, int]:
    """The first of `sets` (C, size) whose removal changes the top item, chunk by chunk.

    Sets come heaviest first, so the first change is the heaviest one: the chunks after
    it need not be scored.

    Returns:
        Its row in `sets` (None: no set changes the top) and how many sets were scored.
    """
    length = int(input_ids.shape[0])
    for start in range(0, len(sets), CHUNK_ROWS):
        chunk = sets[start : start + CHUNK_ROWS]
        keep = _keep_without(length, chunk)
        top = top_variant_items(score_fn, input_ids, event_type_ids, keep, excluded)[:, 0]
        changed = np.flatnonzero((top != original).numpy())
        if len(changed):
            return start + int(changed[0]), start + len(chunk)
    return None, len(sets)


def minimal_counterfactual(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    excluded: torch.Tensor,
    guide: np.ndarray,
    *,
    max_size: int = 5,
    budget: int | None = None,
) -> Counterfactual | None:
    """Search the smallest removal that changes the first recommendation.

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) the sequence (the model's window); event_type_ids: (L,).
        excluded: (V,) bool items never recommended (padding, the history).
        guide: (L,) attributions for the first recommendation; most positive tried first.
        max_size: the largest set searched by combinations.
        budget: the most sets scored per size (default `set_budget` of the catalog).

    Returns:
        The verified counterfactual, or None when even removing every event keeps the
        same first recommendation.
    """
    length = int(input_ids.shape[0])
    budget = set_budget(int(excluded.shape[0])) if budget is None else budget
    full = torch.ones(1, length, dtype=torch.bool)
    original = int(
        top_items(score_variants(score_fn, input_ids, event_type_ids, full), excluded)[0, 0]
    )
    order = deletion_order(np.asarray(guide, dtype=float))
    scored, exhaustive = 1, True
    found: np.ndarray | None = None
    for size in range(1, min(max_size, length) + 1):
        pool = _pool_size(length, size, budget)
        sets = np.array(list(itertools.combinations(order[:pool], size)), dtype=np.int64)
        weight = np.asarray(guide, dtype=float)[sets].sum(axis=1)
        sets = sets[np.argsort(-weight, kind="stable")]  # the heaviest set first
        hit, tried = _first_change(score_fn, input_ids, event_type_ids, excluded, original, sets)
        scored += tried
        if hit is not None:
            found = sets[hit]
            break
        exhaustive = exhaustive and pool == length
    else:
        # Fallback: drop the most attributed events one after another, past max_size.
        start = min(max_size, length) + 1
        prefixes = [order[:k] for k in range(start, length + 1)]
        if prefixes:
            keep = torch.ones(len(prefixes), length, dtype=torch.bool)
            for row, prefix in enumerate(prefixes):
                keep[row, torch.from_numpy(prefix)] = False
            top = top_variant_items(score_fn, input_ids, event_type_ids, keep, excluded)[:, 0]
            scored += len(prefixes)
            changed = (top != original).numpy()
            if changed.any():
                found = prefixes[int(np.flatnonzero(changed)[0])]
            exhaustive = False
    if found is None:
        return None
    keep = _keep_without(length, found[None, :])
    check = score_variants(score_fn, input_ids, event_type_ids, keep)  # re-scored on its own
    new_top = int(top_items(check, excluded)[0, 0])
    if new_top == original:  # cannot happen with deterministic scoring; never claim it
        return None
    return Counterfactual(
        removed=tuple(sorted(int(p) for p in found)),
        original_top=original,
        new_top=new_top,
        new_top_score=float(check[0, new_top]),
        proven_minimal=exhaustive,
        candidates_scored=scored,
    )
