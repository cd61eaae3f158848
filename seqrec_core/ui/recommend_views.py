"""Blocks of the Recommend page: filters, a recommendation list, the segment preview.

The what-if editor lives in `whatif_views`; everything here draws what
`seqrec_core.recommend.recommender` and `seqrec_core.recommend.segments` computed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from seqrec_core.figures.recommend import most_recommended_figure, recommendation_figure
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import (
    FALLBACK_CATEGORIES,
    RecommendationList,
    RunRecommender,
)
from seqrec_core.recommend.segments import SegmentRule, preview_segment, segment_users
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.store import Workspace
from seqrec_core.ui.feedback import plain, user_errors


def _category_options(engine: RunRecommender) -> list[str]:
    """Every category path and each of its prefixes, sorted."""
    paths = {str(c) for c in engine.table.category[1:] if c}
    prefixes = {
        " > ".join(p.split(" > ")[: n + 1]) for p in paths for n in range(p.count(" > ") + 1)
    }
    return sorted(prefixes)


def filters_form(engine: RunRecommender) -> tuple[Filters, int]:
    """Business rules and list length (applied at once, no submit needed)."""
    with st.expander("Filters", icon=":material/filter_alt:"):
        cols = st.columns(4)
        k = cols[0].number_input("Items to show", 1, 100, 10, key="rec_k")
        seen = cols[1].toggle("Hide items already seen", True, key="rec_seen")
        bought = cols[2].toggle("Hide items already bought", True, key="rec_bought", disabled=seen)
        categories = _category_options(engine)
        include = st.multiselect("Only these categories", categories, key="rec_inc_cat")
        exclude = st.multiselect("Never these categories", categories, key="rec_exc_cat")
        brands = sorted({str(b) for b in engine.table.brand[1:] if b})
        brand_cols = st.columns(2)
        inc_brands = brand_cols[0].multiselect("Only these brands", brands, key="rec_inc_brand")
        exc_brands = brand_cols[1].multiselect("Never these brands", brands, key="rec_exc_brand")
        prices = engine.table.price[1:]
        low = high = None
        if np.isfinite(prices).any():
            top = float(math.ceil(np.nanmax(prices)))
            low, high = cols[3].slider("Price range", 0.0, top, (0.0, top), key="rec_price")
            low, high = (None if low <= 0 else low), (None if high >= top else high)
    rules = Filters(
        exclude_seen=seen,
        exclude_purchased=bought and not seen,
        include_categories=tuple(include),
        exclude_categories=tuple(exclude),
        include_brands=tuple(inc_brands),
        exclude_brands=tuple(exc_brands),
        min_price=low,
        max_price=high,
    )
    return rules, int(k)


def list_frame(result: RecommendationList) -> pd.DataFrame:
    """The list as a table: rank, title (· new for new products), category, brand, price,
    score, reason, id."""
    return pd.DataFrame(
        [
            {
                "rank": r.rank,
                "item": str(r.fields.get("title", r.item_id)) + (" · new" if r.new else ""),
                "category": r.fields.get("category"),
                "brand": r.fields.get("brand"),
                "price": r.fields.get("price"),
                "score": r.score,
                "because": r.reason,
                "item_id": r.item_id,
            }
            for r in result.items
        ],
        columns=["rank", "item", "category", "brand", "price", "score", "because", "item_id"],
    )


def show_list(
    result: RecommendationList,
    *,
    key: str,
    title: str,
    connections: list[str | None] | None = None,
) -> None:
    """A recommendation list: fallback notice, table, chart and CSV export."""
    if result.fallback:
        where = "their categories" if result.fallback == FALLBACK_CATEGORIES else "the whole shop"
        st.warning(
            f"Cold start: too little history for the model, so this is what is popular in {where}.",
            icon=":material/ac_unit:",
        )
    frame = list_frame(result)
    new = sum(r.new for r in result.items)
    if new:
        st.caption(
            f"{new} of these {len(result.items)} products are new (never bought or viewed in "
            "the training data, marked · new): the model recommends them from their title, "
            "category and brand."
        )
    if connections is not None:
        frame.insert(
            frame.columns.get_loc("because") + 1, "connection (knowledge graph)", connections
        )
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{key}_table",
        column_config={
            "score": st.column_config.NumberColumn(format="%.3f"),
            "price": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.plotly_chart(recommendation_figure(result, title), key=f"{key}_chart")
    st.download_button(
        "Download this list (CSV)",
        csv_bytes(frame),
        file_name=f"recommendations-{result.user or 'what-if'}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )


def segment_preview(
    workspace: Workspace, dataset: str, engine: RunRecommender, filters: Filters, k: int
) -> None:
    """Pick a group of shoppers by what they did; show what the campaign would show them."""
    with st.form("segment_form"):
        cols = st.columns(4)
        category = cols[0].selectbox(
            "Touched category", [None, *_category_options(engine)], format_func=lambda c: c or "any"
        )
        brands = sorted({str(b) for b in engine.table.brand[1:] if b})
        brand = cols[1].selectbox(
            "Touched brand", [None, *brands], format_func=lambda b: b or "any"
        )
        types = list(engine.loaded.prepared.data.event_types.tokens)
        kinds = cols[2].multiselect(
            "Event types", types, default=[t for t in types if t == "purchase"] or types
        )
        days = cols[3].number_input("In the last N days (0: all)", 0, 3650, 30)
        submitted = st.form_submit_button("Preview this segment", type="primary")
    if not submitted:
        return
    with user_errors(), st.spinner("Scoring the segment…"):
        events = workspace.read_events(dataset)
        rule = SegmentRule(category, brand, tuple(kinds), int(days) or None)
        users = segment_users(events, workspace.read_items(dataset), rule)
        preview = preview_segment(engine, users, k=k, filters=filters)
        cols = st.columns(4)
        cols[0].metric("Shoppers", f"{len(preview.users):,}")
        cols[1].metric(
            "Catalog coverage",
            f"{preview.coverage:.1%}",
            help="Share of all items shown to somebody.",
        )
        cols[2].metric(
            "Distinct items per slot",
            f"{preview.distinct_share:.1%}",
            help="100%: no two lists share an item.",
        )
        cols[3].metric("Top-level categories per list", f"{preview.categories_per_list:.1f}")
        st.plotly_chart(
            most_recommended_figure(preview.most_recommended, len(preview.users)), key="segment_top"
        )
        st.caption(
            f"Segment: {plain(category or 'any category')}, {plain(brand or 'any brand')}, {', '.join(kinds) or 'any event'}."
        )
