"""Inputs of the Explain page: cached run and explanation loaders, the orders its shopper
picker offers (`shopper_picker`), the target picker and the explanation settings form.

Session state holds ids only: the run (`state.RUN`) and the user (`state.USER`), both
mirrored in the URL, and the target item id. The loaded run is an `st.cache_resource`
(shared, read-only); explanations and user lists are `st.cache_data` keyed by ids and
settings, so reruns and other sessions reuse them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from seqrec_core.explain.audit import AuditResult, audit, sample_users
from seqrec_core.explain.cases import user_cases
from seqrec_core.explain.explanation import Explanation, explain_user, first_recommendations
from seqrec_core.explain.options import ExplainOptions
from seqrec_core.figures.explanation import item_names
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.ui import model_pickers
from seqrec_core.ui.shopper_picker import Rankings

TARGET = "explain_target"  # str: the target item id ("" = the first recommendation)


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


@st.cache_data(max_entries=4, show_spinner="Auditing the explainers…")
def load_audit(
    root: str, run_id: str, users: int, seed: int, settings: ExplainOptions
) -> AuditResult:
    """`audit` of the first recommendations of `users` sampled users."""
    loaded = load(root, run_id)
    data = loaded.prepared.data
    return audit(loaded.model, data, sample_users(data, users, seed=seed), options=settings)


CASES_HELP = (
    "Confidence: the first recommendation's softmax probability. Surprise: share of the "
    "shopper's events outside its category."
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
        return f"→ {names.get(top, top)} (p = {confidence:.2f}, surprise {surprise:.0%})"

    return Rankings(orders, detail, CASES_HELP)


def settings_form(
    loaded: LoadedRun,
    top: list[tuple[str, float]],
    methods: tuple[str, ...],
    names: dict[str, str],
) -> ExplainOptions:
    """Target item, IG baseline and steps, and ranking mode, in one form."""
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

    with st.form("explain_form"):
        target = st.selectbox(
            "Explain the score of",
            options,
            key=TARGET,
            format_func=label,
            help="Any catalog item; the first ten recommendations are listed first.",
        )
        cols = st.columns(3)
        baseline = cols[0].radio(
            "IG baseline",
            ["padding", "mean"],
            format_func={"padding": "empty events (padding)", "mean": "average item"}.get,
            disabled="ig" not in methods,
            help="What each event is compared with: nothing, or an average catalog item.",
        )
        steps = cols[1].select_slider(
            "IG steps", [16, 32, 50, 100, 200], 50, disabled="ig" not in methods
        )
        seen = cols[2].toggle("Rank items already seen", False)
        st.form_submit_button("Explain", type="primary", icon=":material/psychology:")
    return ExplainOptions(
        target=target or None,
        methods=methods,
        baseline=baseline,
        n_steps=int(steps),
        exclude_seen=not seen,
    )
