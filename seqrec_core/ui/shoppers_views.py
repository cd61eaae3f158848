"""Blocks of the Shoppers page (map, segments, lookalike builder, export) and the list of
similar shoppers Profile shows, over `seqrec_core.shoppers`.

Loaders are cached per run in `st.cache_resource` (read-only, at most two runs). The
representations are computed once per run with a progress bar and kept on disk beside the
run; the cached loader then reads them from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from seqrec_core import schema
from seqrec_core.figures.shoppers import audience_mix_figure, segment_mix_figure, shopper_map_figure
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.shoppers import lookalike, representations, segments, shopper_map, tastes
from seqrec_core.shoppers.segment_files import save_segments
from seqrec_core.store import Workspace
from seqrec_core.ui import model_pickers, navigation, whatif_views
from seqrec_core.ui.feedback import plain, user_errors

SEGMENT_COUNT = "shoppers_k"  # widget key: "Automatic" or a number of segments
MAP_COLOUR = "shoppers_colour"
TAB = "shoppers_tab"  # the open tab's label; only the open Map or Segments tab is drawn
TAB_WIDGETS = (MAP_COLOUR,)  # widgets in those tabs whose values outlast a closed tab
AUDIENCE = "shoppers_audience"  # session state: the last audience (ids only) per run
REPRESENTATION = "shoppers_representation"  # widget key: "history" or "next"
_LIKENESS_HELP = {
    "classifier": "The chance, learned from the seeds, that this shopper is like them (1: surely)",
    "nearest": "Cosine similarity to the seeds most like this shopper (1: identical)",
    "centroid": "Cosine similarity to the average seed (1: identical)",
}
_COLOURS = {
    "Main category": "main_category",
    "Segment": "segment",
    "Activity (events)": "events",
    "Spend": "spend",
}


def representation_kind() -> str:
    """The representation the shopper tools compare (chosen on the Shoppers page)."""
    kind = st.session_state.get(REPRESENTATION, representations.DEFAULT_KIND)
    return kind if kind in representations.KINDS else representations.DEFAULT_KIND


def representation_picker() -> str:
    """The data scientists' choice of representation; the kind."""
    with st.expander("For data scientists: which representation of a shopper"):
        return st.radio(
            "Compare shoppers by",
            representations.KINDS,
            index=representations.KINDS.index(representation_kind()),
            format_func=representations.KIND_TITLES.get,
            key=REPRESENTATION,
            help="Whole history: the average of the model's vectors of every product the "
            "shopper touched. Next step: the state the model scores the next product from "
            "(its last events). The whole history finds lookalikes best in our benchmarks.",
        )


def vectors_for(root: str, run_id: str, kind: str) -> representations.ShopperVectors:
    """The run's shopper vectors of `kind`: computed once with a progress bar, then cached.

    Raises:
        RunError: the run is a baseline without shopper representations.
    """
    loaded = model_pickers.load_engine(root, run_id).loaded
    representations.require_representations(loaded)
    checked = _cache_checked(root, run_id, kind)
    if not checked:  # once per run and server: the check digests every history
        if not representations.cache_is_fresh(loaded, kind):
            bar = st.progress(0.0, text="Representing shoppers…")
            representations.shopper_vectors(
                loaded,
                kind=kind,
                progress=lambda done, text: bar.progress(min(done, 1.0), text=text),
            )
            bar.empty()
        checked.append(True)
    return _vectors(root, run_id, kind)


@st.cache_resource(max_entries=4, show_spinner=False)
def _cache_checked(root: str, run_id: str, kind: str) -> list[bool]:
    """Shared and mutable: non-empty once the run's vector cache on disk is known fresh."""
    return []


@st.cache_resource(max_entries=4, show_spinner=False)
def _vectors(root: str, run_id: str, kind: str) -> representations.ShopperVectors:
    loaded = model_pickers.load_engine(root, run_id).loaded
    return representations.shopper_vectors(loaded, kind=kind)


@st.cache_resource(max_entries=2, show_spinner="Reading what each shopper goes for…")
def tastes_for(root: str, run_id: str) -> tastes.Tastes:
    """Every shopper's categories, brands, price band and spend in the run's data."""
    return tastes.shopper_tastes(model_pickers.load_engine(root, run_id))


@st.cache_resource(max_entries=4, show_spinner="Grouping the shoppers into segments…")
def segments_for(root: str, run_id: str, k: int | None, kind: str) -> segments.Segmentation:
    """k-means segments (None: k chosen by silhouette), described; saved for Recommend."""
    engine = model_pickers.load_engine(root, run_id)
    vectors = _vectors(root, run_id, kind)
    found = segments.segment_shoppers(vectors, tastes_for(root, run_id), k)
    found = segments.add_recommendation_mix(engine, found, tastes_for(root, run_id))
    save_segments(engine.loaded.info.best_dir.parent, found.users, found.labels)
    return found


@st.cache_resource(max_entries=2, show_spinner="Drawing the map…")
def _map_for(root: str, run_id: str, kind: str) -> shopper_map.ShopperMap:
    return shopper_map.shopper_map(_vectors(root, run_id, kind))


def segment_count() -> int | None:
    """The segment-count picker: None for automatic."""
    options = ["Automatic", *range(2, 13)]
    choice = st.selectbox(
        "Number of segments",
        options,
        key=SEGMENT_COUNT,
        help="Automatic picks the number of groups whose shoppers are most alike inside "
        "and most different between groups (the best silhouette score).",
    )
    return None if choice == "Automatic" else int(choice)


def verdict(vectors: representations.ShopperVectors, found: segments.Segmentation) -> str:
    """The page's opening sentence."""
    largest = found.segments[0]
    if largest.top_categories:
        what = "mostly shops " + " and ".join(n for n, _ in largest.top_categories[:2])
    elif largest.top_items:
        what = "most often goes for " + largest.top_items[0][0]
    else:
        what = "shops a mix of products"
    return (
        f"The model sees **{len(vectors):,} shoppers** in **{found.k} groups** that shop "
        f"alike; the largest ({largest.size:,}, {largest.share:.0%}) {plain(what)}. Build "
        "a lookalike audience from any list of shoppers below."
    )


def _labelled(
    root: str, run_id: str, rows: np.ndarray, found: segments.Segmentation
) -> pd.DataFrame:
    """Shopper lines with their segment and `taste`, a one-line summary for the hover."""
    frame = tastes.shopper_table(tastes_for(root, run_id), rows)
    segment = [f"Segment {s}" for s in found.labels[rows]]
    return frame.assign(segment=segment, taste=tastes.taste_lines(frame))


def _without_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` without text columns that hold nothing (a catalog without brands, ...)."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame.drop(columns=[c for c in text if frame[c].fillna("").astype(str).eq("").all()])


def show_map(root: str, dataset: str, run_id: str, found: segments.Segmentation) -> None:
    """The customer map with a colour choice; a clicked shopper gets a link to Profile."""
    drawn = _map_for(root, run_id, representation_kind())
    has_categories = tastes_for(root, run_id).has_categories
    options = [c for c in _COLOURS if c != "Main category" or has_categories]
    label = st.radio("Colour by", options, horizontal=True, key=MAP_COLOUR)
    points = pd.concat(
        [drawn.points.reset_index(drop=True),
         _labelled(root, run_id, drawn.rows, found).drop(columns="user_id")], axis=1,
    )  # fmt: skip
    fig = shopper_map_figure(
        points, colour=_COLOURS[label], colour_label=label, total=drawn.total,
        explained=drawn.explained,
    )  # fmt: skip
    event = st.plotly_chart(
        fig, key=f"shopper_map_{run_id}", on_select="rerun", selection_mode="points"
    )
    st.caption(
        "Each dot is a shopper, placed by the model's representation of their history "
        "(its two main directions, PCA). Click a dot to open that shopper."
    )
    picked = [p.get("customdata") for p in (event.selection.points if event else [])]
    picked = [c[0] for c in picked if c]
    if picked:
        navigation.link(
            "profile", f"Open shopper {picked[0]}'s profile", dataset=dataset, user=picked[0]
        )


def show_segments(root: str, run_id: str, found: segments.Segmentation) -> None:
    """Segments side by side: descriptions, the category heatmap, exports."""
    for segment in found.segments:
        st.markdown(f"**{plain(segment.name)}** · {plain(segment.description)}")
    taste = tastes_for(root, run_id)
    if taste.has_categories:
        groups = {
            f"{s.name} ({s.size:,})": np.flatnonzero(found.labels == s.segment)
            for s in found.segments
        }
        st.plotly_chart(segment_mix_figure(tastes.category_mix(taste, groups)), key="segment_mix")
    frame = _without_empty(segments.segments_frame(found))
    st.dataframe(
        frame.drop(columns="description"),
        hide_index=True,
        column_config={
            "share": st.column_config.NumberColumn("share", format="percent"),
            "top_categories": "top categories (share of events)",
            "top_brands": "top brands",
            "top_items": "top items",
            "stands_out": "more than other shoppers",
            "price_band": "price band",
            "median_events": st.column_config.NumberColumn("median events", format="%.0f"),
            "median_spend": st.column_config.NumberColumn("median spend", format="%.2f"),
        },
    )
    if found.automatic and found.silhouette:
        with st.expander("For data scientists: how the number of segments was chosen"):
            st.caption(
                "k-means on the representations scaled to length 1; silhouette score per "
                "number of segments on a fixed sample (higher: tighter, better separated)."
            )
            st.dataframe(
                pd.DataFrame({"segments": list(found.silhouette), "silhouette": list(found.silhouette.values())}),
                hide_index=True,
            )  # fmt: skip
    members = pd.DataFrame({"user_id": list(found.users), "segment": found.labels})
    cols = st.columns(2)
    cols[0].download_button("Segments (CSV)", csv_bytes(frame), "segments.csv", "text/csv",
                            icon=":material/download:", key="segments_csv")  # fmt: skip
    cols[1].download_button("Every shopper's segment (CSV)", csv_bytes(members),
                            "segment_members.csv", "text/csv", icon=":material/download:",
                            key="segment_members_csv")  # fmt: skip
    st.caption("These segments are also offered in the Recommend page's segment preview.")
    navigation.link("recommend", "Preview what a segment would be shown", run=run_id)


def _seed_ids(workspace: Workspace, dataset: str, found: segments.Segmentation) -> list[str] | None:
    """The seed picker (paste, file, purchases, a segment); the ids, or None before a choice."""
    from seqrec_core.recommend.segments import SegmentRule, segment_users  # torch: lazily

    source = st.radio(
        "Seeds",
        ["Paste shopper ids", "Upload a list", "Shoppers who bought…", "A segment"],
        horizontal=True,
        key="seed_source",
    )
    if source == "Paste shopper ids":
        text = st.text_area(
            "Shopper ids (separated by commas, spaces or new lines)", key="seed_text"
        )
        return lookalike.parse_ids(text) if text.strip() else None
    if source == "Upload a list":
        file = st.file_uploader("A CSV with a user_id column, or one id per line",
                                type=["csv", "txt"], key="seed_file")  # fmt: skip
        return lookalike.ids_from_bytes(file.name, file.getvalue()) if file else None
    if source == "A segment":
        names = {s.segment: f"{s.name} ({s.size:,} shoppers)" for s in found.segments}
        number = st.selectbox("Segment", list(names), key="seed_segment", format_func=names.get)
        return found.members(int(number))
    root, run_id = str(workspace.root), found.run_id
    choices = model_pickers.load_engine(root, run_id).table
    tops = sorted({str(c).split(schema.CATEGORY_SEPARATOR)[0] for c in choices.category[1:] if c})
    brands = sorted({str(b) for b in choices.brand[1:] if b})
    labels = whatif_views.item_labels(root, run_id)
    products = st.multiselect(
        "Products (type to search titles or ids)",
        list(labels),
        format_func=labels.__getitem__,
        key="seed_products",
        help="Shoppers who bought any of these products",
    )
    cols = st.columns(3)
    category = brand = None
    if tops:
        category = cols[0].selectbox(
            "Category", [None, *tops], format_func=lambda c: c or "any", key="seed_cat"
        )
    if brands:
        brand = cols[1].selectbox(
            "Brand", [None, *brands], format_func=lambda b: b or "any", key="seed_brand"
        )
    days = cols[2].number_input("In the last N days (0: all)", 0, 3650, 0, key="seed_days")
    if category is None and brand is None and not products:
        return None
    rule = SegmentRule(category, brand, ("purchase",), int(days) or None, tuple(products))
    return segment_users(workspace.read_events(dataset), workspace.read_items(dataset), rule)


def lookalike_builder(
    workspace: Workspace, dataset: str, run_id: str, found: segments.Segmentation
) -> None:
    """Seeds in, the audience out: who they are, what they shop, a CSV for a campaign."""
    root = str(workspace.root)
    with user_errors():
        ids = _seed_ids(workspace, dataset, found)
    size = st.number_input("Audience size", 1, 1_000_000, 200, step=50, key="audience_size")
    with st.expander("For data scientists: how shoppers are compared"):
        method = st.radio(
            "Likeness to the seeds",
            lookalike.METHODS,
            key="audience_method",
            help=" ".join(f"{name}: {text}." for name, text in lookalike.METHOD_HELP.items()),
        )
    if not ids:
        st.info(
            "Choose seed shoppers to find the shoppers most like them.", icon=":material/group_add:"
        )
        return
    with user_errors():
        audience = lookalike.lookalike_audience(
            _vectors(root, run_id, representation_kind()), ids, k=int(size), method=method
        )
        _show_audience(root, run_id, audience)


def _show_audience(root: str, run_id: str, audience: lookalike.Audience) -> None:
    taste = tastes_for(root, run_id)
    rows = np.array(
        [
            _vectors(root, run_id, representation_kind()).rows[u]
            for u in audience.members["user_id"]
        ],
        dtype=np.int64,
    )
    mix = tastes.audience_mix(taste, rows, by="category" if taste.has_categories else "brand")
    lead = ", ".join(
        f"{n} ({a:.0%}, shop {s:.0%})" for n, a, s in mix.head(2).itertuples(index=False)
    )
    st.markdown(
        f"Found **{len(audience.members):,} shoppers** most like your seeds"
        + (f"; they shop {plain(lead)}." if lead else ".")
    )
    for note in (audience.seeds.summary(), *audience.notes):
        st.caption(plain(note))
    if audience.members.empty:
        return
    details = tastes.shopper_table(taste, rows).drop(columns="user_id")
    table = _without_empty(pd.concat([audience.members.reset_index(drop=True), details], axis=1))
    st.dataframe(
        table, hide_index=True,
        column_config={
            "user_id": "shopper",
            "score": st.column_config.ProgressColumn("likeness", min_value=0.0, max_value=1.0, format="%.2f",
                                                     help=_LIKENESS_HELP[audience.method]),
            "closest_seeds": "closest seeds", "main_category": "main category",
            "top_categories": "top categories", "top_brands": "top brands", "top_items": "top items",
        },
    )  # fmt: skip
    st.download_button("Audience (CSV)", csv_bytes(table), "lookalike_audience.csv", "text/csv",
                       icon=":material/download:", key="audience_csv")  # fmt: skip
    if not mix.empty:
        what = "category" if taste.has_categories else "brand"
        st.plotly_chart(audience_mix_figure(mix, what=what), key="audience_mix")


def export_section(vectors: representations.ShopperVectors) -> None:
    """Downloads of every shopper's vector, for a warehouse or a notebook."""
    with st.expander("Export the shopper representations"):
        st.caption(
            f"{len(vectors):,} shoppers × {vectors.dim} numbers from model {vectors.model} "
            f"(run {vectors.run_id}), representation: "
            f"{representations.KIND_TITLES[vectors.kind]}. Parquet keeps one `vector` list "
            "per shopper; CSV has columns e0, e1, …"
        )
        if st.button("Prepare the files", key="prepare_vectors"):
            cols = st.columns(2)
            cols[0].download_button("Parquet", _parquet_bytes(vectors), f"shopper_vectors_{vectors.kind}.parquet",
                                    "application/octet-stream", key="vectors_parquet")  # fmt: skip
            cols[1].download_button("CSV", csv_bytes(representations.vectors_frame(vectors)),
                                    f"shopper_vectors_{vectors.kind}.csv", "text/csv", key="vectors_csv")  # fmt: skip


def _parquet_bytes(vectors: representations.ShopperVectors) -> bytes:
    import io

    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(representations.vectors_table(vectors), buffer)
    return buffer.getvalue()


def similar_shoppers(root: str, run_id: str, user: str, k: int = 5) -> pd.DataFrame | None:
    """The `k` shoppers most like `user` in the run, with their top categories (None when
    the run has not seen the shopper)."""
    from seqrec_core.shoppers.neighbours import similar_shoppers as nearest

    vectors = vectors_for(root, run_id, representation_kind())
    if user not in vectors.rows:
        return None
    near = nearest(vectors, user, k)
    rows = np.array([vectors.rows[u] for u in near["user_id"]], dtype=np.int64)
    details = tastes.shopper_table(tastes_for(root, run_id), rows)
    return near.assign(top_categories=details["top_categories"].to_numpy())
