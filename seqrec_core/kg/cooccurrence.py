"""Item-to-item co-occurrence for the knowledge graph: "shoppers went on to B after A".

`co_occurrence` counts, with sparse matrix operations and no Python loop over events or
pairs, how many users reached item B within a few events after item A (a repeat of the
same item, e.g. view → cart → purchase, counts once). Each item keeps its `top_n`
strongest partners by a popularity-damped strength (users with the pair divided by the
geometric mean of the two items' user counts, a cosine similarity), and the direction
that dominates is kept so a sentence can say "after".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

COLUMNS = ("source", "target", "users", "forward", "backward", "strength")


def _lagged_pairs(users: np.ndarray, items: np.ndarray, window: int) -> pd.DataFrame:
    """(user, first, then) for every pair of distinct items at most `window` steps apart."""
    parts = []
    for lag in range(1, window + 1):  # a loop over lags (≤ window), not over events
        same_user = users[:-lag] == users[lag:]
        first, then = items[:-lag][same_user], items[lag:][same_user]
        keep = first != then
        parts.append(
            pd.DataFrame(
                {"user": users[:-lag][same_user][keep], "first": first[keep], "then": then[keep]}
            )
        )
    if not parts:
        return pd.DataFrame({"user": [], "first": [], "then": []}, dtype="int64")
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def _top_per_row(rows: np.ndarray, scores: np.ndarray, top_n: int) -> np.ndarray:
    """A mask keeping, within each row, the `top_n` largest scores (ties by position)."""
    order = np.lexsort((-scores, rows))
    sorted_rows = rows[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_rows)) + 1]
    first_of_row = np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    rank = np.arange(len(rows)) - first_of_row
    keep = np.zeros(len(rows), dtype=bool)
    keep[order[rank < top_n]] = True
    return keep


def co_occurrence(
    user_codes: np.ndarray,
    item_codes: np.ndarray,
    n_items: int,
    *,
    window: int = 3,
    top_n: int = 10,
) -> pd.DataFrame:
    """The strongest co-occurring item pairs.

    Args:
        user_codes: (N,) int user code per event, events sorted by user, then time.
        item_codes: (N,) int item code per event, in [0, n_items).
        n_items: number of item codes.
        window: a later item counts if it comes at most this many distinct-item steps after.
        top_n: partners kept per item (a pair stays if either item keeps the other).

    Returns:
        One row per unordered pair: `source`, `target` (item codes, source < target),
        `users` (distinct users with the pair in either order), `forward` (users who had
        source first), `strength` in (0, 1].
    """
    users = np.asarray(user_codes, dtype=np.int64)
    items = np.asarray(item_codes, dtype=np.int64)
    if len(items) > 1:  # drop immediate repeats of one item by one user
        repeat = np.r_[False, (users[1:] == users[:-1]) & (items[1:] == items[:-1])]
        users, items = users[~repeat], items[~repeat]
    pairs = _lagged_pairs(users, items, window) if len(items) > 1 else None
    if pairs is None or pairs.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    ones = np.ones(len(pairs), dtype=np.float64)
    shape = (n_items, n_items)
    ordered = sp.coo_array((ones, (pairs["first"], pairs["then"])), shape=shape).tocsr()
    # Users per unordered pair: a user with both orders counts once.
    lo = np.minimum(pairs["first"], pairs["then"])
    hi = np.maximum(pairs["first"], pairs["then"])
    unordered = pd.DataFrame({"user": pairs["user"], "lo": lo, "hi": hi}).drop_duplicates()
    both = sp.coo_array(
        (np.ones(len(unordered)), (unordered["lo"], unordered["hi"])), shape=shape
    ).tocsr()
    both = (both + both.T).tocoo()  # symmetric: each pair once per direction
    item_users = pd.DataFrame({"user": users, "item": items}).drop_duplicates()
    popularity = np.bincount(item_users["item"], minlength=n_items).astype(np.float64)
    rows, cols, counts = both.row, both.col, both.data
    strength = counts / np.sqrt(popularity[rows] * popularity[cols])
    keep = _top_per_row(rows, strength, top_n)
    kept = pd.DataFrame(
        {"source": np.minimum(rows, cols)[keep], "target": np.maximum(rows, cols)[keep]}
    ).drop_duplicates()
    source, target = kept["source"].to_numpy(), kept["target"].to_numpy()
    users_pair = np.asarray(both.tocsr()[source, target]).ravel()
    forward = np.asarray(ordered[source, target]).ravel()
    backward = np.asarray(ordered[target, source]).ravel()
    return pd.DataFrame(
        {
            "source": source,
            "target": target,
            "users": users_pair.astype(np.int64),
            "forward": forward.astype(np.int64),
            "backward": backward.astype(np.int64),
            "strength": np.minimum(
                users_pair / np.sqrt(popularity[source] * popularity[target]), 1.0
            ),
        }
    ).reset_index(drop=True)
