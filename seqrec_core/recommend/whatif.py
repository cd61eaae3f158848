"""What-if editing of a shopper's history and the rank diff between two lists.

Edits are pure functions on a history (a tuple of `Event`s, oldest first), so the page,
the CLI (`recommend --history`) and tests share them; `rank_diff` says, item by item, what
changed between the original list and the edited one: new entries, moves up or down,
drops, and score changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seqrec_core.errors import InputError
from seqrec_core.recommend.recommender import Event, RecommendationList

NEW, UP, DOWN, SAME, DROPPED = "new", "up", "down", "same", "dropped"


def _check(history: Sequence[Event], index: int) -> None:
    if not 0 <= index < len(history):
        raise InputError(
            f"there is no event number {index + 1}", hint=f"the history has {len(history)} events"
        )


def add_event(
    history: Sequence[Event], event: Event, position: int | None = None
) -> tuple[Event, ...]:
    """`history` with `event` inserted at `position` (default: as the newest event)."""
    events = list(history)
    events.insert(len(events) if position is None else max(0, min(position, len(events))), event)
    return tuple(events)


def remove_event(history: Sequence[Event], index: int) -> tuple[Event, ...]:
    """`history` without its event at `index`."""
    _check(history, index)
    return tuple(e for i, e in enumerate(history) if i != index)


def move_event(history: Sequence[Event], index: int, to: int) -> tuple[Event, ...]:
    """`history` with the event at `index` moved to position `to` (others keep order)."""
    _check(history, index)
    events = list(history)
    event = events.pop(index)
    events.insert(max(0, min(to, len(events))), event)
    return tuple(events)


def set_event_type(history: Sequence[Event], index: int, event_type: str) -> tuple[Event, ...]:
    """`history` with the event at `index` given another type (view → purchase, …)."""
    _check(history, index)
    return tuple(Event(e.item_id, event_type) if i == index else e for i, e in enumerate(history))


def parse_history(text: str) -> tuple[Event, ...]:
    """`"P1,P2:cart,P3:purchase"` → events (a type after ':' is optional).

    Raises:
        InputError: an empty item id.
    """
    events = []
    for n, part in enumerate(p.strip() for p in text.split(",")):
        if not part:
            continue
        item, _, event_type = part.partition(":")
        if not item.strip():
            raise InputError(
                f"--history entry {n + 1} ({part!r}) has no item id", hint="write ITEM or ITEM:type"
            )
        events.append(Event(item.strip(), event_type.strip() or None))
    return tuple(events)


@dataclass(frozen=True)
class RankChange:
    """How one item's place changed from the original list to the edited one."""

    item_id: str
    status: str  # new, up, down, same or dropped
    rank_before: int | None
    rank_after: int | None
    score_before: float | None
    score_after: float | None

    @property
    def moved_by(self) -> int | None:
        """Places gained (positive) or lost (negative); None for new or dropped items."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after


def rank_diff(before: RecommendationList, after: RecommendationList) -> list[RankChange]:
    """Every item of either list, in the edited list's order, then the dropped ones."""
    old = {r.item_id: r for r in before.items}
    new = {r.item_id: r for r in after.items}
    changes = []
    for item in after.items:
        previous = old.get(item.item_id)
        if previous is None:
            status = NEW
        elif item.rank < previous.rank:
            status = UP
        elif item.rank > previous.rank:
            status = DOWN
        else:
            status = SAME
        changes.append(
            RankChange(
                item.item_id,
                status,
                previous.rank if previous else None,
                item.rank,
                previous.score if previous else None,
                item.score,
            )
        )
    for item in before.items:
        if item.item_id not in new:
            changes.append(RankChange(item.item_id, DROPPED, item.rank, None, item.score, None))
    return changes
