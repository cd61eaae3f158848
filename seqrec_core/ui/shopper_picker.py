"""The one shopper picker of the Explain, Profile and Recommend pages: search by id, pick.

A search box narrows the shoppers to those whose id contains the text (case-insensitive;
the exact id first); a selectbox offers the matches, most active first, or in an order
the page ranks them by (Explain's most and least confident cases, `Rankings`). The choice
is an id in session state under `state.USER` (the selectbox's key) and in the URL as
`?user=ID`, so a link reopens the same shopper, even one beyond the first options; it is
also remembered per dataset (`state.remember_choice`), so switching datasets and back keeps
it. Without a choice in the session, the link or the memory, the default is the first
option; in the most-active order, the most active shopper who is not bot-like (by the
validation report's rule), so a real export does not open on a crawler's 7,819 events. A
page that can serve a shopper the log does not know (Recommend's cold start) accepts a
typed new id.

What a page passes is a `Shoppers` (ids and event counts), built once per dataset or run
by the cached loaders in `profile_views` and `model_pickers`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from seqrec_core.ingest.validation_report import is_heavy
from seqrec_core.ui import state
from seqrec_core.ui.feedback import plain

if TYPE_CHECKING:  # types only: the sequences module imports torch
    from seqrec_core.data.sequences import SequenceData

MAX_OPTIONS = 200  # shoppers offered in the selectbox (the first ones, or those matching)
SEARCH = "shopper_search"  # the search box (widget key)
ORDER = "shopper_order"  # the ranking radio, on pages that offer `Rankings`


@dataclass(frozen=True)
class Shoppers:
    """The known shoppers of a dataset or a run.

    Attributes:
        ids: every shopper id, most events first (ties by id).
        events: shopper id → number of events.
    """

    ids: tuple[str, ...]
    events: Mapping[str, int]

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Shoppers:
        """Shoppers from id → event count, ordered most active first."""
        return cls(tuple(sorted(counts, key=lambda u: (-counts[u], u))), dict(counts))

    def __contains__(self, user: object) -> bool:
        return user in self.events

    @functools.cached_property
    def most_active_typical(self) -> str | None:
        """The most active shopper who is not bot-like (`validation_report.is_heavy`), or
        the most active one when every shopper is; None without shoppers."""
        if not self.ids:
            return None
        median = float(np.median(np.fromiter(self.events.values(), dtype=np.int64)))
        return next((u for u in self.ids if not is_heavy(self.events[u], median)), self.ids[0])


def shoppers_of_data(data: SequenceData) -> Shoppers:
    """The shoppers of a run's sequences (events the model can read)."""
    lengths = data.sequences.lengths  # lengths[i] belongs to users.tokens[i]
    return Shoppers.from_counts(dict(zip(data.users.tokens, map(int, lengths), strict=True)))


@dataclass(frozen=True)
class Rankings:
    """Named orders a page offers besides "most active" (a radio above the picker).

    Attributes:
        orders: label → shopper ids in that order; the first label is the default. Any
            shopper can still be searched: the others follow, most active first.
        detail: what to show after "ID · N events" for a shopper (None: nothing).
        help: the radio's help text.
    """

    orders: Mapping[str, Sequence[str]]
    detail: Callable[[str], str | None]
    help: str | None = None


def shopper_options(
    shoppers: Shoppers, query: str, order: Sequence[str] = (), limit: int = MAX_OPTIONS
) -> list[str]:
    """The first `limit` shoppers whose id contains `query` (case-insensitive), the exact
    id first, then in `order`, then most active first."""
    needle = query.strip().casefold()
    exact = query.strip()
    found = [exact] if exact in shoppers else []
    seen = set(found)
    for user in itertools.chain(order, shoppers.ids):
        if len(found) >= limit:
            break
        if user not in seen and needle in user.casefold():
            seen.add(user)
            found.append(user)
    return found


def pick_shopper(
    shoppers: Shoppers, *, rankings: Rankings | None = None, allow_unknown: bool = False
) -> str | None:
    """Search box and shopper picker; the choice goes to `state.USER` and `?user=`.

    Args:
        shoppers: who can be picked.
        rankings: extra orders to list the shoppers in (a radio); None: most active only.
        allow_unknown: a typed (or linked) id not in `shoppers` can be picked too.

    Returns:
        The shopper id, or None (after a warning) when the search matches nobody.
    """
    order: Sequence[str] = ()
    if rankings is not None:
        picked = st.radio(
            "Find a shopper",
            list(rankings.orders),
            horizontal=True,
            key=ORDER,
            help=rankings.help,
            on_change=_open_first,
            args=(shoppers, rankings),
        )
        order = rankings.orders[picked]
    left, right = st.columns([1, 2])
    query = left.text_input("Search user id", key=SEARCH, placeholder="part of an id").strip()
    options = shopper_options(shoppers, query, order)
    linked = next((u for u in state.candidates(state.USER) if u in shoppers or allow_unknown), None)
    if not query and linked and linked not in options:
        options.insert(0, linked)  # a link to a less active (or new) shopper still opens it
    if allow_unknown and query and query not in shoppers:
        options.append(query)
    if not options:
        right.warning(f"No user id contains “{plain(query)}”.", icon=":material/search_off:")
        return None
    typical = None if order or query else shoppers.most_active_typical
    st.session_state[state.USER] = state.initial_choice(state.USER, options, typical)
    user = right.selectbox(
        "Shopper",
        options,
        key=state.USER,
        format_func=lambda u: _label(shoppers, rankings, u),
        help=_help(rankings, allow_unknown),
    )
    state.mirror_in_url(state.USER, user)
    state.remember_choice(state.USER, user)
    if user not in shoppers:
        st.caption(f"{plain(user)} is not in this dataset: showing the cold-start list.")
    return user


def _open_first(shoppers: Shoppers, rankings: Rankings) -> None:
    """A newly picked order opens its first (matching) shopper."""
    query = str(st.session_state.get(SEARCH) or "")
    first = shopper_options(shoppers, query, rankings.orders[st.session_state[ORDER]], limit=1)
    if first:
        st.session_state[state.USER] = first[0]


def _label(shoppers: Shoppers, rankings: Rankings | None, user: str) -> str:
    if user not in shoppers:
        return f"{user} · new shopper"
    detail = rankings.detail(user) if rankings is not None else None
    text = f"{user} · {shoppers.events[user]:,} events"
    return f"{text} {detail}" if detail else text


def _help(rankings: Rankings | None, allow_unknown: bool) -> str:
    first = "In the order picked above" if rankings is not None else "Most active shoppers first"
    text = f"{first}; type in the search box to find others."
    return f"{text} An id not in the log gets the cold-start list." if allow_unknown else text
