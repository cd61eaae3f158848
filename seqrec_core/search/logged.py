"""A shopper's logged searches: what they typed, and what they viewed, carted and bought next.

A log holds search events when its events carry the data contract's `query` column: an
event with a query was reached from that search. One search is a run of consecutive events
of one session with the same query (a view, then maybe a cart and a purchase of what the
results showed). Shown on the Profile page and in the `profile` command's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from seqrec_core import schema

QUERY, SESSION = "query", "session_id"  # data-contract columns without a schema constant


@dataclass(frozen=True)
class LoggedSearch:
    """One search of a shopper and the items they reached from it, in their order."""

    query: str
    searched_at: pd.Timestamp  # the time of the first event reached from it
    viewed: tuple[str, ...]
    carted: tuple[str, ...]
    bought: tuple[str, ...]
    other: tuple[str, ...]  # items reached through events of other types (e.g. click, fav)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the `profile` command's `searches`)."""
        return {
            "query": self.query,
            "searched_at": self.searched_at.isoformat(),
            "viewed": list(self.viewed),
            "carted": list(self.carted),
            "bought": list(self.bought),
            "other": list(self.other),
        }


_STAGES = {"view": "viewed", "cart": "carted", "purchase": "bought"}


def logged_searches(events: pd.DataFrame) -> list[LoggedSearch]:
    """The searches in one shopper's events (`data.shopper_events.read_shopper_events`), oldest first.

    Empty when the log has no `query` column or this shopper never searched. Events
    without a type count as views.
    """
    if events.empty or QUERY not in events.columns:
        return []
    frame = events.assign(
        _query=events[QUERY].astype("string").fillna("").str.strip(),
        _time=pd.to_datetime(events[schema.TIMESTAMP], utc=True),
        _row=range(len(events)),
    ).sort_values(["_time", "_row"], kind="stable")
    query, session = frame["_query"].to_numpy(dtype=object), _sessions(frame)
    # A new search starts where the query or the session changes.
    starts = np.r_[True, (query[1:] != query[:-1]) | (session[1:] != session[:-1])]
    frame = frame.assign(_search=starts.cumsum())
    searches = []
    for _, group in frame[frame["_query"] != ""].groupby("_search", sort=True):
        searches.append(_search(group))
    return searches


def _sessions(frame: pd.DataFrame) -> np.ndarray:
    if SESSION in frame.columns:
        return frame[SESSION].astype("string").fillna("").to_numpy(dtype=object)
    return np.full(len(frame), "", dtype=object)


def _search(group: pd.DataFrame) -> LoggedSearch:
    types = (
        group[schema.EVENT_TYPE].astype("string").fillna("view").str.lower()
        if schema.EVENT_TYPE in group.columns
        else pd.Series("view", index=group.index)
    )
    items = group[schema.ITEM_ID].astype(str)
    reached: dict[str, list[str]] = {"viewed": [], "carted": [], "bought": [], "other": []}
    for item, kind in zip(items, types, strict=True):
        stage = reached[_STAGES.get(kind, "other")]
        if item not in stage:
            stage.append(item)
    return LoggedSearch(
        query=str(group["_query"].iat[0]),
        searched_at=group["_time"].iat[0],
        **{stage: tuple(ids) for stage, ids in reached.items()},
    )
