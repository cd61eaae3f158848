"""Item metadata for the knowledge graph: category hierarchies, price bands, attributes.

`item_metadata` turns whatever catalog a dataset has (none, some fields, all of them) into
one frame with a row per item seen in the events or listed in the catalog: the category
path parsed into its levels (`Home > Kitchen > Knives` and `electronics.audio.headphone`
alike), the brand, a price (the catalog's, else the median price in the events), the
item's price band within its category, and its free-form attributes. `metadata_coverage`
says which fields are there and how completely.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from seqrec_core import schema

# Price bands, cheapest first; an item's band is its price tercile within its category.
PRICE_BANDS = ("low", "mid", "high")
# A category with fewer priced items than this is banded against the whole catalog.
MIN_BAND_ITEMS = 3
ALL_ITEMS = "All items"  # the price group of items banded against the whole catalog
# Fields whose coverage the graph reports (an item has a value or not).
METADATA_FIELDS = ("title", "category", "brand", "price", "attributes")
ATTRIBUTE_SEPARATOR = ";"

_ARROW = re.compile(r"\s*>\s*")
# A dotted code path has no spaces and a dot between two word characters.
_DOTTED = re.compile(r"^[^\s.]+(\.[^\s.]+)+$")


def split_category(path: object) -> tuple[str, ...]:
    """The levels of a category path, top first; () for a missing or blank value.

    `Home > Kitchen > Knives` and `Home>Kitchen` split on '>'; a code without spaces such
    as `electronics.audio.headphone` splits on '.'; anything else is one level (so a
    name like `Vitamins 2.5 mg` stays whole).
    """
    if path is None or (not isinstance(path, str) and pd.isna(path)):
        return ()
    text = str(path).strip()
    if not text:
        return ()
    if ">" in text:
        parts = _ARROW.split(text)
    elif _DOTTED.match(text):
        parts = text.split(".")
    else:
        parts = [text]
    return tuple(p.strip() for p in parts if p.strip())


def category_paths(levels: tuple[str, ...]) -> tuple[str, ...]:
    """Every ancestor path of a parsed category, top first, each joined by ' > '.

    ('Home', 'Kitchen', 'Knives') → ('Home', 'Home > Kitchen', 'Home > Kitchen > Knives').
    """
    return tuple(schema.CATEGORY_SEPARATOR.join(levels[: i + 1]) for i in range(len(levels)))


def split_attributes(value: object) -> tuple[str, ...]:
    """The distinct ';'-separated attributes of a value, in order; () when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ()
    parts = (p.strip() for p in str(value).split(ATTRIBUTE_SEPARATOR))
    return tuple(dict.fromkeys(p for p in parts if p))


def _text(frame: pd.DataFrame, field: str) -> pd.Series:
    """A catalog text field with blanks as missing (all missing if the column is absent)."""
    if field not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="object")
    values = frame[field].astype("string").str.strip()
    return values.where(values != "", pd.NA).astype("object")


def _parse_unique(values: pd.Series, parse) -> pd.Series:
    """Apply `parse` once per distinct value (catalogs repeat few category strings)."""
    uniques = values.dropna().unique()
    table = {value: parse(value) for value in uniques}
    return values.map(lambda v: table.get(v, ()) if isinstance(v, str) else ())


def price_bands(category: pd.Series, price: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each item's price group (its leaf category, or `ALL_ITEMS`) and band in it.

    Args:
        category: leaf category path per item (missing allowed).
        price: price per item (missing allowed).

    Returns:
        (group, band): both missing where the price is missing; the band is 'low', 'mid'
        or 'high' by the price's tercile among the group's priced items.
    """
    priced = price.notna()
    group = category.where(category.notna(), ALL_ITEMS).where(priced)
    sizes = group.map(group.value_counts())
    group = group.where(~priced | (sizes >= MIN_BAND_ITEMS), ALL_ITEMS).where(priced)
    rank = price.groupby(group).rank(method="average", pct=True).fillna(0.0)
    codes = np.minimum((rank.to_numpy(dtype=float) * 3 - 1e-9).astype("int64"), 2)
    codes = np.where(priced.to_numpy(), codes, 0)
    band = pd.Series(np.asarray(PRICE_BANDS, dtype=object)[codes], index=price.index)
    return group.astype("object"), band.where(priced)


def median_prices(item_keys: pd.Series | np.ndarray, prices: pd.Series | np.ndarray) -> pd.Series:
    """Median price per item key over events (missing and unparsable prices left out)."""
    numbers = pd.to_numeric(pd.Series(prices), errors="coerce")
    return numbers.groupby(np.asarray(item_keys)).median().dropna()


def _event_prices(events: pd.DataFrame) -> pd.Series:
    """Median price per item in the events (empty when the events carry no price)."""
    if "price" not in events.columns:
        return pd.Series(dtype=float)
    return median_prices(events[schema.ITEM_ID].astype(str).to_numpy(), events["price"].to_numpy())


def item_metadata(events: pd.DataFrame, items: pd.DataFrame | None) -> pd.DataFrame:
    """One row per item of the events or the catalog, indexed by `item_id` (str).

    Columns: `title`, `category` (leaf path joined by ' > '), `category_levels` (tuple of
    ancestor paths, top first), `brand`, `price`, `price_group`, `price_band`,
    `attributes` (tuple); missing values are `pd.NA` / `None` / `()`.
    """
    ids = pd.Index(pd.unique(events[schema.ITEM_ID].astype(str)), dtype=object)
    return metadata_of(ids, _event_prices(events), items)


def metadata_of(
    event_items: pd.Index, event_prices: pd.Series, items: pd.DataFrame | None
) -> pd.DataFrame:
    """`item_metadata` from what it reads of the events: their distinct item ids in order
    of first appearance, and the median price per item id (`median_prices`)."""
    catalog = items if items is not None else pd.DataFrame({schema.ITEM_ID: []})
    catalog = catalog.assign(item_id=catalog[schema.ITEM_ID].astype(str))
    catalog = catalog.drop_duplicates(schema.ITEM_ID).set_index(schema.ITEM_ID)
    ids = event_items.append(catalog.index.difference(event_items).astype(object))
    catalog = catalog.reindex(ids)
    meta = pd.DataFrame(index=pd.Index(ids, name=schema.ITEM_ID))
    meta["title"] = _text(catalog, "title")
    levels = _parse_unique(_text(catalog, "category"), split_category)
    meta["category_levels"] = levels.map(category_paths)
    meta["category"] = meta["category_levels"].map(lambda paths: paths[-1] if paths else None)
    meta["brand"] = _text(catalog, "brand")
    price = (
        pd.to_numeric(catalog["price"], errors="coerce")
        if "price" in catalog.columns
        else pd.Series(np.nan, index=catalog.index)
    )
    price = price.where(price.notna(), event_prices.reindex(price.index))
    meta["price"] = price.astype(float)
    meta["price_group"], meta["price_band"] = price_bands(meta["category"], meta["price"])
    meta["attributes"] = _parse_unique(_text(catalog, "attributes"), split_attributes)
    return meta


def metadata_coverage(meta: pd.DataFrame) -> dict[str, float]:
    """Share of items with a value per field of `METADATA_FIELDS` (0.0 for an empty catalog)."""
    if meta.empty:
        return dict.fromkeys(METADATA_FIELDS, 0.0)
    present = {
        "title": meta["title"].notna(),
        "category": meta["category"].notna(),
        "brand": meta["brand"].notna(),
        "price": meta["price"].notna(),
        "attributes": meta["attributes"].map(len) > 0,
    }
    return {field: float(present[field].mean()) for field in METADATA_FIELDS}
