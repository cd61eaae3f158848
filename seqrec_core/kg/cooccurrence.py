"""Item-to-item co-occurrence for the knowledge graph: "shoppers went on to B after A".

`co_occurrence` counts, with sparse matrix operations and no Python loop over events or
pairs (distinct pairs found by sorting packed integer keys, 8 bytes per pair), how many
users reached item B within a few events after item A (a repeat of the same item, e.g.
view → cart → purchase, counts once). Each item keeps its `top_n`
strongest partners by a popularity-damped strength (users with the pair divided by the
geometric mean of the two items' user counts, a cosine similarity), and the direction
that dominates is kept so a sentence can say "after".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ("source", "target", "users", "forward", "backward", "strength")


def _widths(bounds: tuple[int, ...]) -> list[int] | None:
    """Bits per column to pack ids in [0, bound) into one int64 key; None past 63 bits."""
    widths = [max(int(bound - 1).bit_length(), 1) for bound in bounds]
    return widths if sum(widths) <= 63 else None


def _pack(columns: tuple[np.ndarray, ...], widths: list[int]) -> np.ndarray:
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column, width in zip(columns, widths, strict=True):
        key <<= width
        key |= column
    return key


def _unpack(key: np.ndarray, widths: list[int]) -> tuple[np.ndarray, ...]:
    out = []
    for width in reversed(widths):
        out.append(key & ((1 << width) - 1))
        key = key >> width
    return tuple(reversed(out))


def _distinct_keys(key: np.ndarray) -> np.ndarray:
    """The distinct values of `key`, sorted (sorted in place: several times np.unique's speed)."""
    key.sort()
    return key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key


def _distinct_rows(
    columns: tuple[np.ndarray, ...], bounds: tuple[int, ...]
) -> tuple[np.ndarray, ...]:
    """The distinct rows of integer columns (column i in [0, bounds[i])), as columns again,
    in no particular order.

    The columns are packed into one int64 key when their bits fit in 63, so a log of
    millions of events sorts 8 bytes per row where a DataFrame's `drop_duplicates` would
    hash whole rows; wider ids go through pandas.
    """
    widths = _widths(bounds)
    if widths is None:
        frame = pd.DataFrame(dict(enumerate(columns))).drop_duplicates()
        return tuple(frame[i].to_numpy(dtype=np.int64) for i in range(len(columns)))
    return _unpack(_distinct_keys(_pack(columns, widths)), widths)


def _lagged_pairs(
    users: np.ndarray, items: np.ndarray, bounds: tuple[int, int, int], window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, first, then): every distinct pair of distinct items at most `window` steps
    apart within one user's events (each lag's pairs kept as packed keys until the end);
    `bounds`: (number of user codes, number of item codes, number of item codes)."""
    widths = _widths(bounds)
    parts = []
    for lag in range(1, window + 1):  # a loop over lags (≤ window), not over events
        same_user = users[:-lag] == users[lag:]
        first, then = items[:-lag][same_user], items[lag:][same_user]
        keep = first != then
        columns = (users[:-lag][same_user][keep], first[keep], then[keep])
        if widths is None:
            parts.append(_distinct_rows(columns, bounds))
        else:
            parts.append(_distinct_keys(_pack(columns, widths)))
        del same_user, first, then, keep, columns
    if widths is None:
        merged = tuple(np.concatenate(column) for column in zip(*parts, strict=True))
        return _distinct_rows(merged, bounds)  # type: ignore[return-value]
    key = np.concatenate(parts)
    del parts
    return _unpack(_distinct_keys(key), widths)  # type: ignore[return-value]


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
    users = np.asarray(user_codes).astype(np.int64, copy=False)
    items = np.asarray(item_codes).astype(np.int64, copy=False)
    if len(items) > 1:  # drop immediate repeats of one item by one user
        repeat = np.r_[False, (users[1:] == users[:-1]) & (items[1:] == items[:-1])]
        users, items = users[~repeat], items[~repeat]
        del repeat
    if len(items) < 2:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    n_users = int(users.max()) + 1
    user, first, then = _lagged_pairs(users, items, (n_users, n_items, n_items), window)
    if len(user) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in COLUMNS})
    import scipy.sparse as sp  # a tenth of a second: only where pairs are counted

    shape = (n_items, n_items)
    # Counts as int32 (users per pair): half the memory of float ones, the same ratios.
    ordered = sp.coo_array((np.ones(len(user), np.int32), (first, then)), shape=shape).tocsr()
    # Users per unordered pair: a user with both orders counts once.
    _, lo, hi = _distinct_rows(
        (user, np.minimum(first, then), np.maximum(first, then)), (n_users, n_items, n_items)
    )
    del user, first, then  # the largest arrays: one row per user and pair
    both = sp.coo_array((np.ones(len(lo), np.int32), (lo, hi)), shape=shape).tocsr()
    del lo, hi
    both = (both + both.T).tocoo()  # symmetric: each pair once per direction
    _, item_of_user = _distinct_rows((users, items), (n_users, n_items))
    popularity = np.bincount(item_of_user, minlength=n_items).astype(np.float64)
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


def pairs_by_item(
    user_codes: np.ndarray,
    item_codes: np.ndarray,
    item_ids: np.ndarray,
    *,
    window: int = 3,
    top_n: int = 10,
) -> pd.DataFrame:
    """`co_occurrence` with its `source` and `target` as item ids (`item_ids[code]`)."""
    pairs = co_occurrence(user_codes, item_codes, len(item_ids), window=window, top_n=top_n)
    ids = np.asarray(item_ids, dtype=object).astype(str)
    return pairs.assign(
        source=ids[pairs["source"].to_numpy(dtype=np.int64)],
        target=ids[pairs["target"].to_numpy(dtype=np.int64)],
    )
