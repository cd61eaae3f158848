"""Blocks of the Recommend page: filters, a recommendation list, the segment preview.

The what-if editor lives in `whatif_views`; everything here draws what
`seqrec_core.recommend.recommender` and `seqrec_core.recommend.segments` computed. What
every session of the page would otherwise compute again is shared, keyed by ids: the
filter choices of a run (`filter_choices`) and a shopper's list with its knowledge-graph
connections (`shopper_list`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from seqrec_core.figures.recommend import most_recommended_figure, recommendation_figure
from seqrec_core.models.names import NEURAL_MODELS
from seqrec_core.recommend.graph_reasons import graph_connections
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import (
    FALLBACK_CATEGORIES,
    RecommendationList,
    RunRecommender,
)
from seqrec_core.recommend.segments import SegmentRule, preview_segment, segment_users
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.runs import registry
from seqrec_core.schema import CATEGORY_SEPARATOR
from seqrec_core.shoppers.segment_files import saved_segments
from seqrec_core.store import Workspace
from seqrec_core.ui import filter_link, model_pickers, profile_views
from seqrec_core.ui.feedback import plain, user_errors

TAB = "recommend_tab"  # the open tab's label; the segment preview is drawn only when open
SEGMENT_WIDGETS = ("segment_source",)  # its widgets whose values outlast a closed tab


@dataclass(frozen=True)
class FilterChoices:
    """What the filter and segment pickers of one run offer."""

    categories: tuple[str, ...]  # every category path and each of its prefixes, sorted
    brands: tuple[str, ...]  # sorted
    price_top: float | None  # the highest price rounded up; None when no price is known
    event_types: tuple[str, ...]  # as the model knows them


@st.cache_data(max_entries=4, show_spinner=False)
def filter_choices(root: str, run_id: str) -> FilterChoices:
    """The filter choices of run `run_id` of the workspace at `root`, computed once."""
    engine = model_pickers.load_engine(root, run_id)
    paths = {str(c) for c in engine.table.category[1:] if c}
    sep = CATEGORY_SEPARATOR
    prefixes = {sep.join(p.split(sep)[: n + 1]) for p in paths for n in range(p.count(sep) + 1)}
    prices = engine.table.price[1:]
    return FilterChoices(
        categories=tuple(sorted(prefixes)),
        brands=tuple(sorted({str(b) for b in engine.table.brand[1:] if b})),
        price_top=float(math.ceil(np.nanmax(prices))) if np.isfinite(prices).any() else None,
        event_types=tuple(engine.loaded.prepared.data.event_types.tokens),
    )


def _link_values(choices: FilterChoices) -> dict[str, object]:
    """What the page's link asks the filter widgets to start at (see `filter_link`)."""
    params = {name: st.query_params.get_all(name) for name in filter_link.PARAMS}
    return filter_link.widget_values(params, choices.categories, choices.brands, choices.price_top)


def filters_form(choices: FilterChoices) -> tuple[Filters, int]:
    """Business rules and list length (applied at once, no submit needed), kept in the link.

    The widgets start at what the link says (a shared URL reopens the same filters) and the
    link follows every change.
    """
    start = _link_values(choices)
    with st.expander("Filters", icon=":material/filter_alt:", expanded=bool(start)):
        cols = st.columns(4)
        k = cols[0].number_input(
            "Items to show",
            1,
            filter_link.MAX_K,
            start.get("rec_k", filter_link.DEFAULT_K),
            key="rec_k",
        )
        seen = cols[1].toggle(
            "Hide items already seen", start.get("rec_seen", True), key="rec_seen"
        )
        bought = cols[2].toggle(
            "Hide items already bought",
            start.get("rec_bought", True),
            key="rec_bought",
            disabled=seen,
        )
        include = st.multiselect(
            "Only these categories", choices.categories, start.get("rec_inc_cat"), key="rec_inc_cat"
        )
        exclude = st.multiselect(
            "Never these categories",
            choices.categories,
            start.get("rec_exc_cat"),
            key="rec_exc_cat",
        )
        brand_cols = st.columns(2)
        inc_brands = brand_cols[0].multiselect(
            "Only these brands", choices.brands, start.get("rec_inc_brand"), key="rec_inc_brand"
        )
        exc_brands = brand_cols[1].multiselect(
            "Never these brands", choices.brands, start.get("rec_exc_brand"), key="rec_exc_brand"
        )
        low = high = None
        top = choices.price_top
        if top is not None:
            low, high = cols[3].slider(
                "Price range", 0.0, top, start.get("rec_price", (0.0, top)), key="rec_price"
            )
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
    filter_link.sync_url(filter_link.link_params(rules, int(k)))
    return rules, int(k)


@st.cache_data(max_entries=512, show_spinner=False)
def _shopper_list(
    root: str,
    run_id: str,
    events_path: str,
    items_path: str | None,
    user: str,
    k: int,
    filters: Filters,
) -> tuple[RecommendationList, list[str | None]]:
    engine = model_pickers.load_engine(root, run_id)
    listed = engine.recommend(engine.user_history(user) or (), k=k, filters=filters, user=user)
    listed_items = [item.item_id for item in listed.items]
    kg = profile_views.graph_with_items(events_path, items_path, user, listed_items)
    return listed, graph_connections(kg, listed)


def shopper_list(
    workspace: Workspace, dataset: str, run_id: str, user: str, k: int, filters: Filters
) -> tuple[RecommendationList, list[str | None]]:
    """What `user` is shown now by run `run_id` (their stored history), and per item the
    knowledge-graph connection of `dataset`; computed once for every session that asks.

    Raises:
        WorkspaceError: the dataset is gone.
    """
    files = model_pickers.dataset_files(workspace, dataset)
    return _shopper_list(str(workspace.root), run_id, *files, user, k, filters)


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


# The list's columns, reasons first after the title (visible without scrolling at 1,280 px).
LIST_COLUMNS = ("rank", "item", "because", "connection (knowledge graph)", "category", "brand",
                "price", "score", "item_id")  # fmt: skip
COMPACT_COLUMNS = ("rank", "item", "because")


def filled_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """`columns` without those that are empty in every row (a catalog without categories,
    brands or prices), so that no column of blank cells takes the reasons' room; an empty
    frame keeps them all."""
    return [c for c in columns if frame.empty or frame[c].notna().any()]


def show_list(
    result: RecommendationList,
    *,
    key: str,
    title: str,
    connections: list[str | None] | None = None,
    compact: bool = False,
) -> None:
    """A recommendation list: fallback notice, table, CSV export and the scores as a chart
    (in an expander, drawn when opened).

    Args:
        connections: per item, its knowledge-graph connection (a column after the reason).
        compact: show rank, item and reason only (the CSV keeps every column).
    """
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
        column_order=filled_columns(frame, COMPACT_COLUMNS if compact else LIST_COLUMNS),
        column_config={
            "rank": st.column_config.NumberColumn(width=48),
            "item": st.column_config.TextColumn(width="medium"),
            "because": st.column_config.TextColumn(
                width="large", help="The past product whose removal would cost this item most"
            ),
            "connection (knowledge graph)": st.column_config.TextColumn(
                width="large", help="How the item relates to what this shopper did before"
            ),
            "score": st.column_config.NumberColumn(
                format="%.3f", help="The model's score: higher ranks first"
            ),
            "price": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.download_button(
        "Download this list (CSV)",
        csv_bytes(frame),
        file_name=f"recommendations-{result.user or 'what-if'}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    # Drawn only while open: a chart costs the browser more than the rest of the list.
    with st.expander(
        "The model's scores, as a chart",
        icon=":material/bar_chart:",
        key=f"{key}_scores_open",
        on_change="rerun",
    ) as scores:
        if scores.open:
            st.plotly_chart(recommendation_figure(result, title), key=f"{key}_chart")


def _shoppers_segments(
    workspace: Workspace, dataset: str, engine: RunRecommender
) -> dict[int, list[str]]:
    """The segments last saved by the Shoppers page for this run, else for the dataset's
    best model with shopper representations (segments are groups of shopper ids)."""
    saved = saved_segments(engine.loaded.info.best_dir.parent)
    best = model_pickers.best_run(workspace, dataset, NEURAL_MODELS)
    if saved or best is None:
        return saved
    return saved_segments(registry.run_folder(workspace, best))


def _any(value: str | None) -> str:
    return value or "any"


def segment_preview(
    workspace: Workspace,
    dataset: str,
    engine: RunRecommender,
    choices: FilterChoices,
    filters: Filters,
    k: int,
) -> None:
    """Pick a group of shoppers by what they did, or a segment of the Shoppers page; show
    what the campaign would show them."""
    saved = _shoppers_segments(workspace, dataset, engine)
    by_segment = bool(saved) and st.radio(
        "Who",
        ["Shoppers who did something", "A segment of the Shoppers page"],
        horizontal=True,
        key="segment_source",
    ).startswith("A segment")
    with st.form("segment_form"):
        if by_segment:
            number = st.selectbox(
                "Segment",
                sorted(saved),
                format_func=lambda n: f"Segment {n} · {len(saved[n]):,} shoppers",
            )
        else:
            # a catalog without categories or brands gets no picker whose only choice is "any"
            cols = iter(st.columns(2 + bool(choices.categories) + bool(choices.brands)))
            category = brand = None
            if choices.categories:
                category = next(cols).selectbox(
                    "Touched category", [None, *choices.categories], format_func=_any
                )
            if choices.brands:
                brand = next(cols).selectbox(
                    "Touched brand", [None, *choices.brands], format_func=_any
                )
            types = list(choices.event_types)
            kinds = next(cols).multiselect(
                "Event types", types, default=[t for t in types if t == "purchase"] or types
            )
            days = next(cols).number_input("In the last N days (0: all)", 0, 3650, 30)
        submitted = st.form_submit_button("Preview this segment", type="primary")
    if not submitted:
        return
    with user_errors(), st.spinner("Scoring the segment…"):
        if by_segment:
            users = saved[int(number)]
            described = f"Segment: segment {number} of the Shoppers page."
        else:
            events = workspace.read_events(dataset)
            rule = SegmentRule(category, brand, tuple(kinds), int(days) or None)
            users = segment_users(events, workspace.read_items(dataset), rule)
            parts = [category or "any category"] if choices.categories else []
            parts += [brand or "any brand"] if choices.brands else []
            parts += [", ".join(kinds) or "any event"]
            described = f"Segment: {plain(', '.join(parts))}."
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
        if choices.categories:
            cols[3].metric("Top-level categories per list", f"{preview.categories_per_list:.1f}")
        st.plotly_chart(
            most_recommended_figure(preview.most_recommended, len(preview.users)), key="segment_top"
        )
        st.caption(described)
