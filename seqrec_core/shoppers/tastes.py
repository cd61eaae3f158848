"""What each shopper of a run goes for, in catalog words: categories, brands, price band.

The same reading of a history as the knowledge-graph profile (`seqrec_core.kg`): events
weigh by type (a purchase counts 5 views, `kg.graph.DEFAULT_EVENT_WEIGHTS`), categories
are top-level, price bands are terciles within the item's own category
(`kg.item_metadata.price_bands`). Built once per run as sparse shopper × category and
shopper × brand weight matrices, so an audience, a segment or the whole shop is
summarised with one sparse product instead of a graph per shopper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from seqrec_core import schema
from seqrec_core.kg.graph import DEFAULT_EVENT_WEIGHTS
from seqrec_core.kg.item_metadata import PRICE_BANDS, price_bands
from seqrec_core.recommend.recommender import RunRecommender

_OTHER_WEIGHT = 1.0  # event words without a weight of their own
_MIN_SHARE = 0.005  # an item stands out for a group only above this share of its events
_MIN_RATIO = 1.2  # ... and at least this many times its share of the whole shop


@dataclass(frozen=True)
class Tastes:
    """Per-shopper weights, rows in the run's user order (`users`).

    Attributes:
        users: shopper ids.
        events: (U,) events per shopper.
        spend: (U,) catalog price of their purchases (NaN prices count 0).
        categories / brands: the names of the matrices' columns.
        category_weights: (U, C) sparse event weight per top-level category.
        brand_weights: (U, B) sparse event weight per brand.
        band_weights: (U, 3) event weight per price band (low, mid, high).
        item_weights: (U, V) sparse event weight per item index (column 0 padding), for
            catalogs without categories or brands (their groups are described by items).
        item_names: (V,) item display names (title, else id) by item index.
    """

    users: tuple[str, ...]
    events: np.ndarray
    spend: np.ndarray
    categories: tuple[str, ...]
    brands: tuple[str, ...]
    category_weights: sparse.csr_matrix
    brand_weights: sparse.csr_matrix
    band_weights: np.ndarray
    item_weights: sparse.csr_matrix
    item_names: tuple[str, ...]

    @property
    def has_categories(self) -> bool:
        return bool(self.categories)

    @property
    def has_brands(self) -> bool:
        return bool(self.brands)


def _codes(values: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """(V,) codes (-1 where missing) and the distinct names, for a per-item object array."""
    codes, names = pd.factorize(pd.Series(values, dtype=object), sort=True)
    return codes.astype(np.int64), tuple(str(n) for n in names)


def _matrix(users: np.ndarray, codes: np.ndarray, weights: np.ndarray, shape) -> sparse.csr_matrix:
    keep = codes >= 0
    return sparse.csr_matrix((weights[keep], (users[keep], codes[keep])), shape=shape)


def shopper_tastes(engine: RunRecommender) -> Tastes:
    """The tastes of every shopper of `engine`'s run (their whole stored history)."""
    data, table = engine.loaded.prepared.data, engine.table
    seqs = data.sequences
    count = len(seqs)
    user_of_event = np.repeat(np.arange(count), seqs.lengths)
    type_weight = np.array(
        [0.0] + [DEFAULT_EVENT_WEIGHTS.get(t, _OTHER_WEIGHT) for t in data.event_types.tokens]
    )
    weights = type_weight[seqs.event_types]
    tops = np.array(
        [str(c).split(schema.CATEGORY_SEPARATOR)[0] if c else None for c in table.category],
        dtype=object,
    )
    cat_codes, categories = _codes(tops)
    brand_codes, brands = _codes(table.brand)
    _, bands = price_bands(pd.Series(table.category), pd.Series(table.price))
    band_codes = bands.map({b: i for i, b in enumerate(PRICE_BANDS)}).fillna(-1).to_numpy()
    band_weights = np.zeros((count, len(PRICE_BANDS)))
    band_of_event = band_codes.astype(np.int64)[seqs.items]
    keep = band_of_event >= 0
    np.add.at(band_weights, (user_of_event[keep], band_of_event[keep]), weights[keep])
    purchase = np.array([False] + [t == "purchase" for t in data.event_types.tokens])
    price = np.nan_to_num(table.price.astype(float))
    spend = np.bincount(
        user_of_event, weights=price[seqs.items] * purchase[seqs.event_types], minlength=count
    )
    return Tastes(
        users=tuple(data.users.tokens),
        events=seqs.lengths.astype(np.int64),
        spend=spend,
        categories=categories,
        brands=brands,
        category_weights=_matrix(
            user_of_event, cat_codes[seqs.items], weights, (count, len(categories))
        ),
        brand_weights=_matrix(
            user_of_event, brand_codes[seqs.items], weights, (count, len(brands))
        ),
        band_weights=band_weights,
        item_weights=_matrix(user_of_event, seqs.items, weights, (count, table.items.size)),
        item_names=("", *(table.label(i) for i in range(1, table.items.size))),
    )


def top_shares(weights: np.ndarray, names: tuple[str, ...], n: int = 3) -> list[tuple[str, float]]:
    """The `n` heaviest names of one (C,) weight row with their share of its total."""
    total = float(weights.sum())
    if total <= 0:
        return []
    order = np.argsort(-weights, kind="stable")[:n]
    return [(names[i], float(weights[i] / total)) for i in order if weights[i] > 0]


def distinctive(
    weights: np.ndarray, shop: np.ndarray, names: tuple[str, ...], n: int = 3
) -> list[tuple[str, float]]:
    """The `n` names whose share of a group's (C,) weights most exceeds their share of the
    whole shop's (at least `_MIN_RATIO` times), with that ratio; names with under
    `_MIN_SHARE` of the group left out."""
    total, shop_total = float(weights.sum()), float(shop.sum())
    if total <= 0 or shop_total <= 0:
        return []
    share, base = weights / total, shop / shop_total
    ratio = np.divide(share, base, out=np.zeros_like(share), where=base > 0)
    ratio[share < _MIN_SHARE] = 0.0
    order = np.argsort(-ratio, kind="stable")[:n]
    return [(names[i], float(ratio[i])) for i in order if ratio[i] >= _MIN_RATIO]


def group_tastes(tastes: Tastes, rows: np.ndarray) -> dict[str, object]:
    """Top categories and brands (with shares), main price band and activity of a group."""
    cats = np.asarray(tastes.category_weights[rows].sum(axis=0)).ravel()
    brands = np.asarray(tastes.brand_weights[rows].sum(axis=0)).ravel()
    bands = tastes.band_weights[rows].sum(axis=0)
    items = np.asarray(tastes.item_weights[rows].sum(axis=0)).ravel()
    return {
        "top_items": top_shares(items, tastes.item_names),
        "distinctive_items": distinctive(
            items, np.asarray(tastes.item_weights.sum(axis=0)).ravel(), tastes.item_names
        ),
        "top_categories": top_shares(cats, tastes.categories),
        "top_brands": top_shares(brands, tastes.brands),
        "price_band": PRICE_BANDS[int(np.argmax(bands))] if bands.sum() > 0 else None,
        "price_band_share": float(bands.max() / bands.sum()) if bands.sum() > 0 else 0.0,
        "median_events": float(np.median(tastes.events[rows])) if len(rows) else 0.0,
        "median_spend": float(np.median(tastes.spend[rows])) if len(rows) else 0.0,
    }


def _top_names(weights: sparse.csr_matrix, names: tuple[str, ...], n: int) -> list[list[str]]:
    """Per row of a sparse (R, C) weight matrix, its `n` heaviest column names."""
    coo = weights.tocoo()
    frame = pd.DataFrame({"row": coo.row, "col": coo.col, "w": coo.data})
    frame = frame[frame["w"] > 0].sort_values(["row", "w", "col"], ascending=[True, False, True])
    top = frame.groupby("row").head(n)
    labels = np.asarray(names, dtype=object)[top["col"].to_numpy()] if names else []
    grouped = pd.Series(labels, index=top["row"].to_numpy()).groupby(level=0).agg(list)
    return [grouped.get(r, []) for r in range(weights.shape[0])]


def shopper_table(tastes: Tastes, rows: np.ndarray) -> pd.DataFrame:
    """One line per shopper of `rows`: the main category, `top_categories`, `top_brands`
    and `top_items` as text, events and spend (for audiences and the map's hover)."""
    cats = _top_names(tastes.category_weights[rows], tastes.categories, 3)
    brands = _top_names(tastes.brand_weights[rows], tastes.brands, 3)
    items = _top_names(tastes.item_weights[rows], tastes.item_names, 3)
    return pd.DataFrame(
        {
            "user_id": [tastes.users[r] for r in rows],
            "main_category": [c[0] if c else None for c in cats],
            "top_categories": [", ".join(c) for c in cats],
            "top_brands": [", ".join(b) for b in brands],
            "top_items": ["; ".join(i) for i in items],
            "events": tastes.events[rows],
            "spend": tastes.spend[rows].round(2),
        }
    )


def taste_lines(table: pd.DataFrame) -> pd.Series:
    """Each line of a `shopper_table` in a few words, for the map's hover: its top
    categories · top brands where the shop has them, otherwise its top products."""
    parts = [table[c] for c in ("top_categories", "top_brands") if table[c].ne("").any()]
    return parts[0].str.cat(parts[1:], sep=" · ") if parts else table["top_items"]


def _shares(matrix: sparse.csr_matrix, rows: np.ndarray | None) -> np.ndarray:
    picked = matrix if rows is None else matrix[rows]
    totals = np.asarray(picked.sum(axis=0)).ravel()
    return totals / totals.sum() if totals.sum() > 0 else totals


def category_mix(tastes: Tastes, groups: dict[str, np.ndarray]) -> pd.DataFrame:
    """Share of each group's events per top-level category (rows: groups, sum to 1)."""
    shares = [_shares(tastes.category_weights, rows) for rows in groups.values()]
    return pd.DataFrame(shares, index=list(groups), columns=list(tastes.categories))


def audience_mix(
    tastes: Tastes, rows: np.ndarray, *, by: str = "category", n: int = 8
) -> pd.DataFrame:
    """`name`, `audience` and `shop` shares of events by category (or brand), for the `n`
    names with the largest audience share (the audience's own tastes first)."""
    matrix, names = (
        (tastes.category_weights, tastes.categories)
        if by == "category"
        else (tastes.brand_weights, tastes.brands)
    )
    frame = pd.DataFrame(
        {"name": list(names), "audience": _shares(matrix, rows), "shop": _shares(matrix, None)}
    )
    return (
        frame.sort_values(["audience", "name"], ascending=[False, True])
        .head(n)
        .reset_index(drop=True)
    )
