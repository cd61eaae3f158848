"""Blocks of the Search page: the query box, the two result lists side by side, the metrics.

The search engine of a run (its BM25 and dense indexes, `seqrec_core.search`) is built once
per server process and shared read-only (`st.cache_resource`); the loaded run comes from
`model_pickers.load_engine`, so Search and Recommend share one copy. The query is kept in
the URL (`?q=`) with the run and the shopper, so a link reopens the same search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.store import Workspace
from seqrec_core.ui import model_pickers, state
from seqrec_core.ui.feedback import plain

if TYPE_CHECKING:  # types only: the search engine imports torch
    from seqrec_core.search.engine import SearchEngine, SearchHit, SearchResult

QUERY = "q"  # the query's widget key and URL parameter
WEIGHT = "search_personalization"
_SUGGESTIONS = 300


def query_suggestions(catalog: pd.DataFrame, limit: int = _SUGGESTIONS) -> list[str]:
    """Words a shopper might search for: the catalog's category names, then brands,
    most common first."""
    words: list[str] = []
    if "category" in catalog:
        leaves = catalog["category"].dropna().astype(str).str.split(" > ").explode()
        words += leaves.str.strip().value_counts().index.tolist()
    if "brand" in catalog:
        words += catalog["brand"].dropna().astype(str).str.strip().value_counts().index.tolist()
    return [w for w in dict.fromkeys(words) if w][:limit]


@st.cache_resource(max_entries=2, show_spinner="Building the search index…")
def load_search_engine(root: str, run_id: str) -> SearchEngine:
    """The search engine of a run (indexes built once, treated as read-only)."""
    from seqrec_core.search.engine import SearchEngine

    loaded = model_pickers.load_engine(root, run_id).loaded
    return SearchEngine.from_run(Workspace.open(root), loaded)


@st.cache_data(max_entries=4, show_spinner="Measuring search on held-out purchases…")
def search_metrics(root: str, run_id: str, max_examples: int) -> dict[str, object]:
    """Search metrics of a run (text only, model only, blend) with the protocol."""
    from seqrec_core.search.evaluation import evaluate_search

    engine = load_search_engine(root, run_id)
    return evaluate_search(Workspace.open(root), engine, max_examples=max_examples).to_dict()


def query_box(suggestions: list[str]) -> str:
    """The query: typed freely or picked from the catalog's words; kept in `?q=`."""
    linked = st.query_params.get(QUERY)
    if QUERY not in st.session_state and linked:
        st.session_state[QUERY] = linked
    typed = st.session_state.get(QUERY)
    options = list(dict.fromkeys([*([typed] if typed else []), *suggestions]))
    query = st.selectbox(
        "Search for",
        options,
        index=None,
        key=QUERY,
        accept_new_options=True,
        placeholder="type a query, e.g. a category or a brand",
        help="Type anything a shopper might type; suggestions come from the catalog's "
        "categories and brands.",
    )
    state.mirror_in_url(QUERY, query or None)
    return (query or "").strip()


def move_label(hit: SearchHit) -> str:
    """ "↑ 7", "↓ 2" or "=" against the list everyone sees."""
    if hit.move == 0:
        return "="
    return f"↑ {hit.move}" if hit.move > 0 else f"↓ {-hit.move}"


def hits_frame(hits: tuple[SearchHit, ...], *, personal: bool = False) -> pd.DataFrame:
    """A result list as a table; a shopper's list leads with its moves and reasons, so they
    are in sight in a half-width column."""
    rows = []
    for hit in hits:
        row: dict[str, object] = {"rank": hit.rank}
        if personal:
            row["move"] = move_label(hit)
        row["product"] = str(hit.fields.get("title", hit.item_id)) + (" · new" if hit.new else "")
        if personal:
            row["why"] = hit.reason
        row.update(
            category=hit.fields.get("category"),
            brand=hit.fields.get("brand"),
            price=hit.fields.get("price"),
            item_id=hit.item_id,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def verdict(result: SearchResult, user: str) -> str:
    """The page's first sentence: what this shopper sees and how much history changed it."""
    query = plain(result.query)
    if not result.items:
        closest = ", ".join(f"“{plain(w)}”" for w in result.did_you_mean[:3])
        tail = f"; closest: {closest}" if closest else "; try a category or a brand"
        return f"No product matches “{query}”{tail}."
    moved = [h for h in result.items if h.move != 0]
    head = (
        f"For “{query}”, **{plain(user)}** sees {len(result.items):,} of the "
        f"{result.matches:,} matching products"
    )
    if result.personalization == 0 or result.fallback:
        return head + ": the same list as everyone (no personalisation)."
    if not moved:
        return head + ": in the same order as everyone; their history changes nothing here."
    top = max(moved, key=lambda h: h.move)
    title = plain(str(top.fields.get("title", top.item_id)))
    return (
        f"{head}; {len(moved):,} of them are placed differently from what everyone sees "
        f"(biggest move: {title}, {move_label(top)})."
    )


def show_results(result: SearchResult, user: str) -> None:
    """The two lists side by side, the notes and the export."""
    for note in result.notes:
        st.caption(plain(note))
    if not result.items:
        return
    left, right = st.columns(2)
    with left:
        st.subheader("What everyone sees")
        st.dataframe(hits_frame(result.everyone), hide_index=True, key="search_everyone")
    with right:
        st.subheader(f"What {plain(user)} sees")
        frame = hits_frame(result.items, personal=True)
        st.dataframe(
            frame,
            hide_index=True,
            key="search_personal",
            column_config={"price": st.column_config.NumberColumn(format="%.2f")},
        )
    st.download_button(
        "Download this shopper's results (CSV)",
        csv_bytes(frame),
        file_name=f"search-{user}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="search_csv",
    )


def show_metrics(root: str, run_id: str) -> None:
    """Search quality of the run on held-out events, on request (it takes a while)."""
    with st.expander("How good is search on this shop?", icon=":material/insights:"):
        st.caption(
            "Each held-out event of a shopper becomes a search: the query they typed when the "
            "log has one, else the product's category words; the product they went on to "
            "choose is the one right answer, ranked against the whole catalog."
        )
        if not st.button("Measure search quality", key="search_measure"):
            return
        metrics = search_metrics(root, run_id, 2000)
        rows = metrics["search_metrics"]  # type: ignore[index]
        table = pd.DataFrame(
            [{"ranking": name, **values} for name, values in rows.items()]  # type: ignore[union-attr]
        )
        st.dataframe(table, hide_index=True, key="search_metrics_table")
        st.caption(plain(str(metrics.get("protocol", ""))))
