"""The business filters of Recommend and Search in the page's link, so a shared URL keeps them.

A link carries only what differs from the defaults, e.g.
`?k=20&hide=bought&cat=Outdoor&not_brand=Acme&price_max=80`; a repeated key holds several
values (`cat=Outdoor&cat=Garden`). `link_params` writes filters as such parameters,
`widget_values` reads a link back into the values of the filter widgets, keeping only what
the run offers (an unknown category, a count out of range or a price that is not a number
is dropped, never an error: links get edited by hand and outlive catalogs). `sync_url`
makes the page's query parameters match. The conversions are pure; only `sync_url` touches
Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import streamlit as st

from seqrec_core.recommend.item_table import Filters

DEFAULT_K = 10
MAX_K = 100
# What the "hide" parameter says about the shopper's own history.
HIDE_SEEN, HIDE_BOUGHT, HIDE_NONE = "seen", "bought", "none"
# Query parameter → (Filters field, widget key) for the lists of categories and brands.
LISTS = {
    "cat": ("include_categories", "rec_inc_cat"),
    "not_cat": ("exclude_categories", "rec_exc_cat"),
    "brand": ("include_brands", "rec_inc_brand"),
    "not_brand": ("exclude_brands", "rec_exc_brand"),
}
PARAMS = ("k", "hide", *LISTS, "price_min", "price_max")

Params = dict[str, list[str]]


def link_params(filters: Filters, k: int) -> Params:
    """The query parameters of `filters` and list length `k`, defaults left out."""
    params: Params = {}
    if k != DEFAULT_K:
        params["k"] = [str(k)]
    if not filters.exclude_seen:
        params["hide"] = [HIDE_BOUGHT if filters.exclude_purchased else HIDE_NONE]
    for name, (field, _) in LISTS.items():
        values = list(getattr(filters, field))
        if values:
            params[name] = values
    for name, value in (("price_min", filters.min_price), ("price_max", filters.max_price)):
        if value is not None:
            params[name] = [f"{value:g}"]
    return params


def _number(values: Sequence[str]) -> float | None:
    try:
        number = float(values[-1]) if values else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def widget_values(
    params: Mapping[str, Sequence[str]],
    categories: Sequence[str],
    brands: Sequence[str],
    price_top: float | None,
) -> dict[str, object]:
    """The filter widgets' values (widget key → value) that the link `params` asks for.

    Args:
        params: query parameter → its values, as the link has them (no values, or an
            empty list: the link leaves that filter at its default).
        categories, brands: what the run's pickers offer; other values are dropped.
        price_top: the price slider's top (None: the catalog has no prices, no slider).

    Returns:
        Only the widgets the link sets: `rec_k`, `rec_seen`, `rec_bought`, the four list
        pickers and `rec_price` (a (low, high) pair within 0..price_top).
    """
    values: dict[str, object] = {}
    k = _number(params.get("k", ()))
    if k is not None and k == int(k) and 1 <= k <= MAX_K:
        values["rec_k"] = int(k)
    hide = list(params.get("hide", ()))[-1:]
    if hide and hide[0] in (HIDE_SEEN, HIDE_BOUGHT, HIDE_NONE):
        values["rec_seen"] = hide[0] == HIDE_SEEN
        values["rec_bought"] = hide[0] != HIDE_NONE
    offered = {"cat": set(categories), "not_cat": set(categories)}
    offered |= {"brand": set(brands), "not_brand": set(brands)}
    for name, (_, key) in LISTS.items():
        kept = list(dict.fromkeys(v for v in params.get(name, ()) if v in offered[name]))
        if kept:
            values[key] = kept
    if price_top is not None and (params.get("price_min") or params.get("price_max")):
        low = _number(params.get("price_min", ())) or 0.0
        high = _number(params.get("price_max", ()))
        high = price_top if high is None else high
        low, high = min(max(low, 0.0), price_top), min(max(high, 0.0), price_top)
        values["rec_price"] = (min(low, high), max(low, high))
    return values


def sync_url(params: Params) -> None:
    """Make the page's filter parameters equal `params` (the others are left alone)."""
    for name in PARAMS:
        wanted = params.get(name)
        if wanted is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get_all(name) != wanted:
            st.query_params[name] = wanted
