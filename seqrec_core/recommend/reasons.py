"""The "because …" line of a recommended item: the past product most responsible for it.

A reason is found by exact re-scoring, as the model's own answer to "what if they had
never touched this product?": for every distinct product in the history window the model
scores the history with all of that product's events removed (one batch, one row per
product), and a recommended item's reason is the product whose removal costs it most.

Two things made the former per-event version give every item of a list the same reason:

- It removed one event at a time. A product viewed, carted and bought is three events, and
  removing any one of them leaves the other two, so the products a shopper cared most about
  were never named. Removing a product's events together fixes that.
- Removing the newest event moves the model to a different last position, which lowers the
  score of every item of the list at once; so the newest event always won. Among the
  products that account for at least half of an item's largest drop, the reason is the one
  whose drop for this item stands out most against its drop for the rest of the list: what
  makes this item, and not the whole list, follow from the shopper's past.

Pure numpy on score arrays, so the choice is testable with hand-computed numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A product's events, strongest first: the verb of a reason is its strongest event.
EVENT_STRENGTH = ("purchase", "cart", "fav", "click", "view")
STRONG_SHARE = 0.5  # candidates for a reason: at least this share of the item's largest drop


@dataclass(frozen=True)
class HistoryProducts:
    """The distinct products of a history window, in order of their newest event.

    Attributes:
        items: (G,) item index of each product.
        strongest: (G,) position in the history of each product's strongest event (the
            newest among equally strong ones): the event a reason names.
    """

    items: np.ndarray
    strongest: np.ndarray


def _strength(event_type: str | None) -> int:
    """Higher for stronger events; unknown types rank below views."""
    if event_type in EVENT_STRENGTH:
        return len(EVENT_STRENGTH) - EVENT_STRENGTH.index(event_type)
    return 0


def history_products(
    items: np.ndarray, event_types: Sequence[str | None], start: int
) -> HistoryProducts:
    """The distinct products of the window `items[start:]`.

    Args:
        items: (E,) item indices of the whole history, oldest first.
        event_types: (E,) the event type of each event.
        start: where the model's window begins.
    """
    strongest: dict[int, int] = {}
    for position in range(start, len(items)):
        best = strongest.get(int(items[position]))
        if best is None or _strength(event_types[position]) >= _strength(event_types[best]):
            strongest[int(items[position])] = position
    last_seen = {int(items[p]): p for p in range(start, len(items))}
    order = sorted(strongest, key=last_seen.__getitem__)
    return HistoryProducts(
        np.array(order, dtype=np.int64), np.array([strongest[i] for i in order], dtype=np.int64)
    )


def pick_reasons(drops: np.ndarray) -> np.ndarray:
    """Per recommended item, the product that is its reason, or -1 for none.

    Args:
        drops: (G, K) score lost by recommended item k when product g is removed (the full
            history's score minus the score without g).

    Returns:
        (K,) int64 row of `drops` per item; -1 where no product's removal lowers its score.
    """
    drops = np.asarray(drops, dtype=np.float64)
    if drops.size == 0:
        return np.full(drops.shape[1] if drops.ndim == 2 else 0, -1, dtype=np.int64)
    largest = drops.max(axis=0)  # (K,)
    # How much more product g lifts item k than it lifts the list on average.
    specific = drops - drops.mean(axis=1, keepdims=True)  # (G, K)
    strong = (drops > 0) & (drops >= STRONG_SHARE * largest)  # (G, K)
    choice = np.where(strong, specific, -np.inf).argmax(axis=0)
    return np.where(largest > 0, choice, -1).astype(np.int64)
