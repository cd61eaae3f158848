"""Inputs of the Explain page: cached run and explanation loaders, the orders its shopper
picker offers (`shopper_picker`), the target picker and the explanation settings form.

Session state holds ids only: the run (`state.RUN`) and the user (`state.USER`), both
mirrored in the URL, and the target item id with the run it was picked for (another run
starts again from its first recommendation). The loaded run is an `st.cache_resource`
(shared, read-only); explanations, user lists and audited shoppers are `st.cache_data`
keyed by ids and settings, so reruns and other sessions reuse them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from seqrec_core.explain.audit import audit_options, audit_shopper
from seqrec_core.explain.cases import user_cases
from seqrec_core.explain.explanation import Explanation, explain_user, first_recommendations
from seqrec_core.explain.options import ExplainOptions
from seqrec_core.figures.explanation import item_names
from seqrec_core.report.numbers import percent
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.ui import model_pickers
from seqrec_core.ui.shopper_picker import Rankings

TARGET = "explain_target"  # str: the target item id ("" = the first recommendation)
TARGET_RUN = "explain_target_run"  # str: the run the target was picked for


def load(root: str, run_id: str) -> LoadedRun:
    """A run's best model with its prepared dataset (shared with the Recommend page's
    cache, so a run is loaded once; treat as read-only)."""
    return model_pickers.load_engine(root, run_id).loaded


@st.cache_data(max_entries=4, show_spinner="Scoring every shopper…")
def load_cases(root: str, run_id: str) -> pd.DataFrame:
    """Every user's first recommendation, confidence and surprise (`user_cases`)."""
    loaded = load(root, run_id)
    return user_cases(loaded.model, loaded.prepared.data, loaded.prepared.catalog)


@st.cache_data(max_entries=4, show_spinner=False)
def load_names(root: str, run_id: str) -> dict[str, str]:
    """Item id → display name for the run's catalog."""
    return item_names(load(root, run_id).prepared.catalog)


@st.cache_data(max_entries=16, show_spinner=False)
def load_top(root: str, run_id: str, user: str) -> list[tuple[str, float]]:
    """The user's first ten recommendations (item id, score)."""
    loaded = load(root, run_id)
    return first_recommendations(loaded.model, loaded.prepared.data, user)


@st.cache_data(max_entries=16, show_spinner="Explaining: attention, gradients, re-scoring…")
def load_explanation(root: str, run_id: str, user: str, settings: ExplainOptions) -> Explanation:
    """`explain_user` for one run, user and settings (a frozen, hashable dataclass)."""
    loaded = load(root, run_id)
    prepared = loaded.prepared
    return explain_user(
        loaded.model, prepared.data, user, catalog=prepared.catalog, options=settings
    )


@st.cache_data(max_entries=1000, show_spinner=False)
def load_audit_row(
    root: str, run_id: str, user: str, settings: ExplainOptions
) -> dict[str, object]:
    """`audit_shopper` for one shopper: cached per shopper, so a larger audit, another
    seed or another session reuses every shopper already audited. `settings` should come
    from `audit_options` (the target never changes an audit)."""
    loaded = load(root, run_id)
    return audit_shopper(loaded.model, loaded.prepared.data, user, audit_options(settings))


CASES_HELP = (
    "How sure: how likely the model finds its first recommendation to be the shopper's next "
    "item (its softmax probability). Other categories: the share of the shopper's events "
    "outside that item's category; a high share makes a surprising recommendation."
)


def case_rankings(cases: pd.DataFrame, names: dict[str, str]) -> Rankings:
    """The shopper picker's orders on this page: most confident first (the default), least
    confident, surprising; each shopper shown with their first recommendation."""
    by_surprise = cases.sort_values(["surprise", "confidence"], ascending=False, kind="stable")
    orders = {
        "Most confident": cases["user_id"].tolist(),  # `user_cases` sorts by confidence
        "Least confident": cases.sort_values("confidence", kind="stable")["user_id"].tolist(),
        "Surprising": by_surprise["user_id"].tolist(),
    }
    row = cases.set_index("user_id")

    def detail(user: str) -> str | None:
        if user not in row.index:
            return None  # not among the scored shoppers
        top, confidence, surprise = row.loc[user, ["top_item", "confidence", "surprise"]]
        return (
            f"→ {names.get(top, top)} ({percent(confidence)} sure, "
            f"{percent(surprise)} of events in other categories)"
        )

    return Rankings(orders, detail, CASES_HELP)


def reset_target_for(run_id: str) -> None:
    """Start from the first recommendation when the run changes: a target picked for
    another model is not this model's question (and may rank anywhere in it)."""
    if st.session_state.get(TARGET_RUN) != run_id:
        st.session_state[TARGET] = ""
        st.session_state[TARGET_RUN] = run_id


def settings_form(
    run_id: str,
    loaded: LoadedRun,
    top: list[tuple[str, float]],
    methods: tuple[str, ...],
    names: dict[str, str],
) -> ExplainOptions:
    """Target item, and in a closed expander the IG baseline, steps and ranking mode."""
    reset_target_for(run_id)
    top_ids = [item for item, _ in top]
    listed = set(top_ids)
    others = [i for i in loaded.prepared.data.items.tokens if i not in listed]
    options = ["", *top_ids[1:], *others]
    if st.session_state.get(TARGET) not in options:
        st.session_state[TARGET] = ""
    first = names.get(top_ids[0], top_ids[0]) if top_ids else "—"
    items, trained = loaded.prepared.data.items, loaded.prepared.trained_items()

    def label(item: str) -> str:
        if item == "":
            return f"the first recommendation: {first}"
        rank = f"#{top_ids.index(item) + 1} " if item in listed else ""
        new = "" if trained[items.index(item)] else " · new product, read from its text"
        return f"{rank}{names.get(item, item)} ({item}){new}"

    with st.form("explain_form", border=False):
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        target = left.selectbox(
            "Explain the score of",
            options,
            key=TARGET,
            format_func=label,
            help="Any catalog item; the first ten recommendations are listed first.",
        )
        right.form_submit_button("Explain", type="primary", icon=":material/psychology:")
        with st.expander("Method settings, for data scientists"):
            cols = st.columns(3)
            baseline = cols[0].radio(
                "IG baseline",
                ["padding", "mean"],
                format_func={"padding": "empty events (padding)", "mean": "average item"}.get,
                disabled="ig" not in methods,
                help="What Integrated Gradients compares each event with: nothing, or an "
                "average catalog item.",
            )
            steps = cols[1].select_slider(
                "IG steps",
                [16, 32, 50, 100, 200],
                50,
                disabled="ig" not in methods,
                help="More steps: a closer approximation, slower.",
            )
            seen = cols[2].toggle(
                "Rank items already seen", False, help="Off: ranks leave out the history's items."
            )
    return ExplainOptions(
        target=target or None,
        methods=methods,
        baseline=baseline,
        n_steps=int(steps),
        exclude_seen=not seen,
    )
