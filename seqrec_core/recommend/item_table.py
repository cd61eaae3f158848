"""Catalog fields aligned with a model's item indices, and business-rule masks over them.

Recommendation, what-if and segment previews score every catalog item at once, so
filters (categories, brands, price range) become one boolean mask over item indices,
built from arrays aligned with the item vocabulary (index 0 is padding and never allowed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import ConfigError


@dataclass(frozen=True)
class ItemTable:
    """Catalog fields per item index (`title[i]` is item index i's title; row 0 padding)."""

    items: Vocab
    title: np.ndarray  # (V,) object: str or None
    category: np.ndarray  # (V,) object: "A > B > C" or None
    brand: np.ndarray  # (V,) object
    price: np.ndarray  # (V,) float, NaN when unknown
    popularity: np.ndarray  # (V,) float, training events per item

    def label(self, index: int) -> str:
        """The item's display name: its title, else its id."""
        title = self.title[index]
        return str(title) if title else self.items.tokens[index - 1]

    def is_new(self, index: int) -> bool:
        """True for an item without training events (a new product)."""
        return bool(self.popularity[index] == 0)

    def fields(self, index: int) -> dict[str, object]:
        """JSON-ready catalog fields of one item (only those that are known)."""
        out: dict[str, object] = {}
        for name, column in (
            ("title", self.title),
            ("category", self.category),
            ("brand", self.brand),
        ):
            if column[index] is not None:
                out[name] = column[index]
        if not np.isnan(self.price[index]):
            out["price"] = float(self.price[index])
        return out

    @property
    def has_catalog(self) -> bool:
        return any(v is not None for v in self.title[1:]) or any(
            v is not None for v in self.category[1:]
        )


def _aligned(catalog: pd.DataFrame, items: Vocab, column: str) -> np.ndarray:
    out = np.full(items.size, None, dtype=object)
    if column not in catalog.columns or catalog.empty:
        return out
    frame = catalog.drop_duplicates(schema.ITEM_ID).set_index(
        catalog[schema.ITEM_ID].astype(str).rename(None)
    )
    values = frame[column].reindex(list(items.tokens))
    cleaned = [None if pd.isna(v) or str(v).strip() == "" else str(v) for v in values]
    out[1:] = cleaned
    return out


def build_item_table(catalog: pd.DataFrame, items: Vocab, popularity: np.ndarray) -> ItemTable:
    """Align catalog columns with `items`; missing items and fields stay None/NaN."""
    price = np.full(items.size, np.nan)
    if "price" in catalog.columns and not catalog.empty:
        frame = catalog.drop_duplicates(schema.ITEM_ID).set_index(
            catalog[schema.ITEM_ID].astype(str).rename(None)
        )
        price[1:] = (
            pd.to_numeric(frame["price"], errors="coerce").reindex(list(items.tokens)).to_numpy()
        )
    return ItemTable(
        items=items,
        title=_aligned(catalog, items, "title"),
        category=_aligned(catalog, items, "category"),
        brand=_aligned(catalog, items, "brand"),
        price=price,
        popularity=np.asarray(popularity, dtype=float),
    )


@dataclass(frozen=True)
class Filters:
    """Business rules for a recommendation list.

    Categories match as path prefixes: "Outdoor" keeps "Outdoor > Camping > Tents".
    """

    exclude_seen: bool = True  # leave out every item in the shopper's history
    exclude_purchased: bool = False  # leave out only what was bought
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    include_brands: tuple[str, ...] = ()
    exclude_brands: tuple[str, ...] = ()
    min_price: float | None = None
    max_price: float | None = None

    def __post_init__(self) -> None:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None and low > high:
            raise ConfigError(f"min_price = {low} is above max_price = {high}: swap them")


def _in_categories(category: np.ndarray, paths: Sequence[str]) -> np.ndarray:
    wanted = [p.strip() for p in paths if p.strip()]
    text = pd.Series(category, dtype=object).fillna("")
    hit = np.zeros(len(category), dtype=bool)
    for path in wanted:
        hit |= ((text == path) | text.str.startswith(path + schema.CATEGORY_SEPARATOR)).to_numpy()
    return hit


def allowed_mask(table: ItemTable, filters: Filters) -> np.ndarray:
    """(V,) True where an item passes the catalog rules (history rules are applied later)."""
    allowed = np.ones(table.items.size, dtype=bool)
    allowed[0] = False
    if filters.include_categories:
        allowed &= _in_categories(table.category, filters.include_categories)
    if filters.exclude_categories:
        allowed &= ~_in_categories(table.category, filters.exclude_categories)
    brand = pd.Series(table.brand, dtype=object)
    if filters.include_brands:
        allowed &= brand.isin(list(filters.include_brands)).to_numpy()
    if filters.exclude_brands:
        allowed &= ~brand.isin(list(filters.exclude_brands)).to_numpy()
    with np.errstate(invalid="ignore"):
        if filters.min_price is not None:
            allowed &= table.price >= filters.min_price
        if filters.max_price is not None:
            allowed &= table.price <= filters.max_price
    return allowed
