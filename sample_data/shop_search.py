"""Plant search events in the simulated log: some funnels start from a query the shopper typed.

A funnel is a view of an item and the cart and purchase of that item that follow it in the
same session. With probability `p_search` a funnel was found by searching: its events carry
the query in the `query` column (the data contract's search events). The query is what a
shopper would type to find that item: its category's leaf ("running shoes"), its brand
("apexfit"), the brand and the leaf's last word ("apexfit shoes") or the last two words of
its title ("camera bag"), and now and then with one typo ("runnign shoes").

The queries come from their own random stream (`SEARCH_STREAM` beside the shop's seed), so
planting them changes no other byte of the log: the events, their order and every other
planted rule stay what they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

SEARCH_STREAM = 2  # the stream id beside the shop's seed: np.random.default_rng([seed, 2])
KINDS = ("category", "brand", "brand_category", "title")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class SearchParams:
    """The knobs of the planted searches; written to rules.json."""

    p_search: float = 0.3  # a funnel starts from a search
    kind_weights: tuple[float, ...] = (0.4, 0.2, 0.25, 0.15)  # KINDS, in that order
    p_typo: float = 0.1  # the query's longest word has one typo
    typo_min_letters: int = 5  # shorter words are typed right


def plant_searches(
    rng: np.random.Generator, events: pd.DataFrame, items: pd.DataFrame, p: SearchParams
) -> pd.DataFrame:
    """`events` (sorted by user, then time) with a `query` column: empty outside searches."""
    funnel = _funnel_ids(events)
    n_funnels = int(funnel.max()) + 1
    searched = rng.random(n_funnels) < p.p_search
    kinds = rng.choice(len(KINDS), size=n_funnels, p=np.array(p.kind_weights) / sum(p.kind_weights))
    typos = rng.random(n_funnels) < p.p_typo
    catalog = items.set_index("item_id")
    first = pd.Series(np.arange(len(events))).groupby(funnel).first().to_numpy()
    queries = np.full(n_funnels, "", dtype=object)
    for f in np.flatnonzero(searched):
        row = catalog.loc[events["item_id"].iat[first[f]]]
        query = _query(KINDS[kinds[f]], row["title"], row["category"], row["brand"])
        queries[f] = _typo(rng, query, p.typo_min_letters) if typos[f] else query
    return events.assign(query=queries[funnel])


def _funnel_ids(events: pd.DataFrame) -> np.ndarray:
    """(E,) the funnel of every event: a view opens one, its item's next events join it."""
    views = events["event_type"].eq("view").astype(int)
    # The n-th view of an item in a session opens its n-th funnel there.
    nth_view = views.groupby([events["session_id"], events["item_id"]]).cumsum()
    keys = pd.MultiIndex.from_arrays([events["session_id"], events["item_id"], nth_view])
    return pd.factorize(keys)[0]


def _query(kind: str, title: str, category: str, brand: str) -> str:
    """What a shopper types to find this item (lower case, as people search)."""
    leaf = category.split(" > ")[-1].lower()
    if kind == "category":
        return " ".join(_WORD.findall(leaf))
    if kind == "brand":
        return brand.lower()
    if kind == "brand_category":
        return f"{brand.lower()} {_WORD.findall(leaf)[-1]}"
    return " ".join(_WORD.findall(title.lower())[-2:])


def _typo(rng: np.random.Generator, query: str, min_letters: int) -> str:
    """The query with one typo in its longest word: two letters swapped, one dropped or doubled."""
    words = query.split(" ")
    at = max(range(len(words)), key=lambda w: len(words[w]))
    word = words[at]
    if len(word) < min_letters:
        return query
    i = int(rng.integers(1, len(word) - 1))  # never the first letter: people get that right
    edit = int(rng.integers(3))
    if edit == 0 and word[i] != word[i + 1]:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    elif edit == 2:
        word = word[:i] + word[i] + word[i:]
    else:  # a drop, also where swapping two equal letters would change nothing
        word = word[:i] + word[i + 1 :]
    words[at] = word
    return " ".join(words)
