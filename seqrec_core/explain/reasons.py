"""The main reasons for one recommendation: the few past events that lift it most.

The Explain page opens with one sentence a merchandiser can act on ("Trail Runner 2 is
recommended first, mainly because this shopper viewed Sport Socks and bought Running
Shorts; without those two events it would drop to rank 14"). Its events are chosen by
occlusion, the exact leave-one-out effect of each event on the target's score: the
smallest set of the most lifting events that carries at least `MAIN_SHARE` of all lift
(at most `MAX_REASONS`, the most lifting first). The rank without them is re-scored with
the same ranking rules as the explanation, never estimated from the effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqrec_core.explain.faithfulness import deletion_order
from seqrec_core.explain.rescoring import ScoreFn, optimistic_one_based_ranks, score_variants

MAX_REASONS = 3  # events a sentence names at most
MAIN_SHARE = 0.5  # "mainly because" needs this share of all lift; below it, "partly"


@dataclass(frozen=True)
class MainReasons:
    """The events that lift a target most, and what removing them together does.

    Attributes:
        positions: positions in the window (0 = oldest), the most lifting first.
        share: their share of the total lift of all lifting events (0 … 1).
        rank_without: the target's 1-based rank with these events removed (re-scored,
            ties in its favour, like `Explanation.target_rank`).
        score_without: the target's score then.
    """

    positions: tuple[int, ...]
    share: float
    rank_without: int
    score_without: float

    @property
    def main(self) -> bool:
        """Whether these events carry most of the lift ("mainly" rather than "partly")."""
        return self.share >= MAIN_SHARE


def main_reasons(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    target: int,
    excluded: torch.Tensor,
    effects: np.ndarray,
    *,
    most: int = MAX_REASONS,
) -> MainReasons | None:
    """The fewest most-lifting events that carry `MAIN_SHARE` of the lift, re-scored without.

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) the window's item indices; event_type_ids: (L,) their types.
        target: the item index explained.
        excluded: (V,) bool items left out of rankings (as for the explanation's rank).
        effects: (L,) each event's occlusion effect on the target's score (positive: the
            event raises it).
        most: the most events named.

    Returns:
        The reasons, or None when no event raises the target's score.
    """
    effects = np.asarray(effects, dtype=float)
    lifting = int((effects > 0).sum())
    if lifting == 0 or most < 1:
        return None
    order = deletion_order(effects)[: min(most, lifting)]  # most lifting first
    cumulative = np.cumsum(effects[order]) / effects[effects > 0].sum()
    count = min(int(np.searchsorted(cumulative, MAIN_SHARE)) + 1, len(order))
    chosen = order[:count]
    keep = torch.ones(1, len(effects), dtype=torch.bool)
    keep[0, torch.from_numpy(chosen)] = False
    scores = score_variants(score_fn, input_ids, event_type_ids, keep)  # (1, V)
    rank = optimistic_one_based_ranks(scores, torch.tensor(target), excluded)
    return MainReasons(
        positions=tuple(int(p) for p in chosen),
        share=float(cumulative[count - 1]),
        rank_without=int(rank[0]),
        score_without=float(scores[0, target]),
    )
