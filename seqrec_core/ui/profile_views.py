"""Blocks of the Profile page: the shop's aggregates, its shoppers, one shopper's graph,
lead sentence, cards, charts, logged searches, ego graph.

The page never builds the whole shop's knowledge graph: the shop's aggregates
(`kg.shop_aggregates`, computed once per dataset and kept beside it) and the shoppers the
picker (`shopper_picker`) offers are loaded once per server process and shared read-only
(`st.cache_resource`, keyed by the dataset's file paths, which change when a dataset is
replaced; the paths come from the shared registry lookup `model_pickers.dataset_files`);
each shopper's own graph (`kg.local_graph`) is built from those and their events, and
cached too; the Recommend page's graph reasons read one that also holds the listed items.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from seqrec_core.data.shopper_events import read_shopper_events, shopper_event_counts
from seqrec_core.figures import shopper_profile
from seqrec_core.kg.ego_graph import ego_network
from seqrec_core.kg.graph import KnowledgeGraph, ShopAggregates
from seqrec_core.kg.local_graph import shopper_graph
from seqrec_core.kg.profile_sentence import profile_sentence
from seqrec_core.kg.shop_aggregates import cached_aggregates
from seqrec_core.kg.shopper_profile import UserProfile
from seqrec_core.models.names import NEURAL_MODELS
from seqrec_core.search.logged import QUERY, LoggedSearch, logged_searches
from seqrec_core.store import Workspace
from seqrec_core.ui import navigation
from seqrec_core.ui.feedback import plain
from seqrec_core.ui.model_pickers import best_run, dataset_files
from seqrec_core.ui.shopper_picker import Shoppers

EGO_SIZE = "profile_ego_size"
_CHART_CONFIG = {"displaylogo": False}


@st.cache_resource(
    max_entries=2, show_spinner="Summarising the shop for profiles (once per dataset)…"
)
def load_aggregates(events_path: str, items_path: str | None) -> ShopAggregates:
    """The shop's aggregates for shoppers' graphs (shared; treat as read-only)."""
    return cached_aggregates(Path(events_path), Path(items_path) if items_path else None)


@st.cache_resource(max_entries=2, show_spinner=False)
def load_shoppers(events_path: str, items_path: str | None) -> Shoppers:
    """The shoppers of one dataset, most active first (shared; read-only)."""
    return Shoppers.from_counts(shopper_event_counts(Path(events_path)))


@st.cache_resource(max_entries=64, show_spinner=False)
def load_shopper_graph(events_path: str, items_path: str | None, user: str) -> KnowledgeGraph:
    """The knowledge graph around one shopper (shared; treat as read-only)."""
    return graph_with_items(events_path, items_path, user, [])


def graph_with_items(
    events_path: str, items_path: str | None, user: str, items: list[str]
) -> KnowledgeGraph:
    """The knowledge graph around one shopper that also holds `items` (what they are
    recommended), for the reasons' paths to them."""
    events = read_shopper_events(events_path, user)
    return shopper_graph(load_aggregates(events_path, items_path), events, also=items)


@st.cache_data(max_entries=64, show_spinner=False)
def load_searches(events_path: str, user: str) -> list[LoggedSearch]:
    """One shopper's logged searches (empty when the log has no `query` column)."""
    return logged_searches(read_shopper_events(events_path, user))


def searches_of(workspace: Workspace, dataset: str, user: str) -> list[LoggedSearch]:
    """The cached logged searches of a shopper of a dataset of the workspace."""
    return load_searches(dataset_files(workspace, dataset)[0], user)


def has_queries(workspace: Workspace, dataset: str) -> bool:
    """Whether the dataset's events carry the data contract's `query` column."""
    return QUERY in pq.read_schema(dataset_files(workspace, dataset)[0]).names


def shoppers_for(workspace: Workspace, dataset: str) -> Shoppers:
    """The cached shoppers of a dataset of the workspace, for `shopper_picker`."""
    return load_shoppers(*dataset_files(workspace, dataset))


def graph_around(workspace: Workspace, dataset: str, user: str) -> KnowledgeGraph:
    """The cached knowledge graph around a shopper of a dataset of the workspace."""
    return load_shopper_graph(*dataset_files(workspace, dataset), user)


def missing_note(kg: KnowledgeGraph) -> None:
    """Say which metadata the dataset lacks, and what the profile can't show then."""
    missing = [f for f in kg.missing if f != "title"]
    if missing:
        st.info(
            f"This dataset has no {', '.join(missing)}: the profile leaves those parts "
            "empty. Upload a catalog (item_id, title, category, brand, price, attributes) "
            "with the log to see them.",
            icon=":material/info:",
        )


def show_lead(profile: UserProfile, searches: list[LoggedSearch]) -> None:
    """The page's first sentence: what the profile found for this shopper."""
    st.markdown(plain(profile_sentence(profile, searches)))


def show_searches(
    searches: list[LoggedSearch], kg: KnowledgeGraph, has_queries: bool, limit: int = 20
) -> None:
    """The shopper's logged searches, newest first, with what they reached from each."""
    if not has_queries:
        st.caption(
            "This log has no search queries. A `query` column on the events (what the "
            "shopper typed before reaching the item) shows their searches here."
        )
        return
    if not searches:
        st.caption("This shopper never searched: every item was reached by browsing.")
        return
    titles = kg.items["title"].dropna().astype(str).to_dict()  # the shopper's items are in

    def name(ids: tuple[str, ...]) -> str:
        return ", ".join(titles.get(i, i) for i in ids)

    newest = list(reversed(searches))[:limit]
    table = pd.DataFrame(
        {
            "Searched at": [s.searched_at.strftime("%Y-%m-%d %H:%M") for s in newest],
            "Query": [s.query for s in newest],
            "Viewed": [name(s.viewed) for s in newest],
            "Carted": [name(s.carted) for s in newest],
            "Bought": [name(s.bought) for s in newest],
        }
    )
    bought = sum(1 for s in searches if s.bought)
    st.caption(
        f"{len(searches):,} searches; {bought:,} of them ended in a purchase. "
        + (f"The newest {limit} are shown." if len(searches) > limit else "")
    )
    # Fixed widths that fit a half-wide page: left to size themselves, long product names
    # in "Viewed" pushed "Carted" and "Bought" out of sight.
    widths = {"Searched at": 125, "Query": 130, "Viewed": 230, "Carted": 210, "Bought": 210}
    config = {name: st.column_config.TextColumn(width=w) for name, w in widths.items()}
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


def _top(frame: pd.DataFrame, column: str) -> str:
    return "–" if frame.empty else str(frame.iloc[0][column])


def show_cards(profile: UserProfile) -> None:
    """The headline numbers of a profile as metric tiles."""
    cols = st.columns(6)
    cols[0].metric("Events", f"{profile.events:,}", help=f"{profile.items:,} distinct items")
    span = (profile.last_seen - profile.first_seen).days
    cols[1].metric(
        "Active",
        f"{span} days",
        help=f"{profile.first_seen:%Y-%m-%d} → {profile.last_seen:%Y-%m-%d}",
    )
    top_level = profile.categories[profile.categories["level"] == 1]
    cols[2].metric(
        "Top category",
        _top(top_level, "label"),
        help="Strongest recency-weighted top-level category",
    )
    brand = _top(profile.brands, "brand")
    cols[3].metric("Top brand", brand, help=f"Strongest recency-weighted brand: {plain(brand)}")
    price = profile.preferred_price_band or "–"
    median = (
        f"median price {profile.median_price:,.2f}" if profile.median_price is not None else None
    )
    cols[4].metric("Price band", price, help=median)
    div = profile.diversity
    cols[5].metric(
        "Diversity",
        f"{div.normalized:.0%}",
        help=f"Entropy {div.entropy_bits:.2f} bits over {div.distinct} {div.basis} values "
        "(0% = one only, 100% = evenly spread)",
    )


def _chart(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config=_CHART_CONFIG, key=key)


def show_charts(profile: UserProfile, missing: tuple[str, ...] = ()) -> None:
    """Affinities, funnel, price band and activity rhythm.

    `missing`: the metadata fields the dataset lacks (`KnowledgeGraph.missing`); without
    categories and brands the two empty affinity charts are left out (`missing_note`
    says why), and price bands are said to be the shop's, not each category's.
    """
    if not {"category", "brand"} <= set(missing):
        left, right = st.columns(2)
        with left:
            deepest, top = st.tabs(["Categories (deepest level)", "Top-level categories"])
            with deepest:
                figure = shopper_profile.category_affinity_figure(profile.categories)
                _chart(figure, "aff_cat_leaf")
            with top:
                figure = shopper_profile.category_affinity_figure(profile.categories, 1)
                _chart(figure, "aff_cat_top")
        with right:
            _chart(shopper_profile.brand_affinity_figure(profile.brands), "aff_brand")
    left, right = st.columns(2)
    with left:
        _chart(shopper_profile.funnel_comparison_figure(profile.funnel), "funnel")
    with right:
        bands = shopper_profile.price_band_figure(
            profile.price_bands, within_category="category" not in missing
        )
        _chart(bands, "price_band")
    left, right = st.columns(2)
    with left:
        _chart(shopper_profile.rhythm_figure(profile.hours, by="hour"), "rhythm_hour")
    with right:
        _chart(shopper_profile.rhythm_figure(profile.weekdays, by="weekday"), "rhythm_weekday")


def show_interests(profile: UserProfile) -> None:
    """Inferred interests, strongest first, each with the path sentence that justifies it."""
    if not profile.interests:
        st.caption("No inferred interests: nothing untouched is near this shopper in the graph.")
        return
    lines = [
        f"{rank}. **{plain(i.label)}** · {i.kind} · score {i.score:.4f}  \n"
        f"   {plain(i.path.sentence)}"
        for rank, i in enumerate(profile.interests, start=1)
    ]
    st.markdown("\n".join(lines))


def show_ego(kg: KnowledgeGraph, user: str) -> None:
    """The interactive ego graph with a size slider."""
    size = st.slider(
        "Nodes shown",
        10,
        150,
        40,
        5,
        key=EGO_SIZE,
        help="The strongest links around the shopper first.",
    )
    ego = ego_network(kg, user, max_nodes=size)
    fig = shopper_profile.ego_graph_figure(
        ego.nodes, ego.edges, title=f"Neighbourhood of {user} in the knowledge graph"
    )
    _chart(fig, "ego_graph")
    st.caption(
        "Hover a node for its name; drag to pan, scroll to zoom. Other shoppers are not shown."
    )


def show_links(user: str, dataset: str) -> None:
    """Where to go next with this shopper: the pages that open the same `?user=`."""
    cols = st.columns(2)
    with cols[0]:
        navigation.link("recommend", "What this shopper would be shown", dataset=dataset, user=user)
    with cols[1]:
        navigation.link("explain", "Why the model recommends it", dataset=dataset, user=user)


def show_similar_shoppers(workspace: Workspace, dataset: str, user: str) -> None:
    """ "Shoppers like this one", from the dataset's best model with a shopper representation
    (loaded only then: this page otherwise runs without torch)."""
    st.subheader("Shoppers like this one")
    run_id = best_run(workspace, dataset, NEURAL_MODELS)
    if run_id is None:
        st.caption("Train a SASRec, BERT4Rec or GRU4Rec model to find shoppers who shop alike.")
        return
    from seqrec_core.ui import shoppers_views  # torch, only with a trained model

    near = shoppers_views.similar_shoppers(str(workspace.root), run_id, user)
    if near is None:
        st.caption(f"Model {run_id} has not seen this shopper.")
        return
    st.caption(f"By the model's representation of their history (run {run_id}; 1: identical).")
    for uid, score, _, cats in near.itertuples(index=False):
        label = f"{uid} · likeness {score:.2f} · {cats or 'no categories'}"
        navigation.link("profile", label, dataset=dataset, user=uid)
    navigation.link("shoppers", "Build a lookalike audience", dataset=dataset, run=run_id)
