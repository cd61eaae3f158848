"""Pickers shared by the model pages: a trained run and a shopper, both kept in the URL.

Session state holds the run id and the user id (strings); the loaded model lives in
`st.cache_resource` (read-only, shared across sessions, at most two runs at a time).
"""

from __future__ import annotations

import streamlit as st

from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs import registry
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from seqrec_core.ui import state
from seqrec_core.ui.feedback import plain

_USER_INPUT = "_user_input"  # the text box (session state of the widget)
_SUGGESTION = "_user_suggestion"


@st.cache_resource(max_entries=2, show_spinner="Loading the model and its data…")
def load_engine(root: str, run_id: str) -> RunRecommender:
    """A run's model with its data and aligned catalog (treated as read-only)."""
    return RunRecommender.from_run(load_run(Workspace.open(root), run_id))


def pick_run(workspace: Workspace, dataset: str) -> str | None:
    """A selectbox of the dataset's runs that saved a model (newest first), or None."""
    usable = [
        info
        for info in registry.list_runs(workspace, dataset)
        if info.has_model and not info.active
    ]
    if not usable:
        st.info(
            "No trained model for this dataset yet: train one on the Train page.",
            icon=":material/model_training:",
        )
        return None
    ids = [info.run_id for info in usable]
    labels = {
        info.run_id: f"{info.run_id} · test NDCG@10 {info.result.get('test_metrics', {}).get('NDCG@10', float('nan')):.4f}"
        for info in usable
    }
    choice = state.initial_choice(state.RUN, ids)
    if choice is not None:
        st.session_state[state.RUN] = choice
    picked = st.selectbox("Model (training run)", ids, key=state.RUN, format_func=labels.get)
    state.mirror_in_url(state.RUN, picked)
    return picked


def require_run(workspace: Workspace, dataset: str) -> str:
    """`pick_run`, stopping the page (after its hint) when no run has a model."""
    run_id = pick_run(workspace, dataset)
    if run_id is None:
        st.stop()
    return str(run_id)


def pick_user(engine: RunRecommender, suggestions: int = 200) -> str:
    """A shopper id: typed (any id, known or not) or picked from the most active ones."""
    data = engine.loaded.prepared.data
    lengths = data.sequences.lengths
    order = lengths.argsort()[::-1][:suggestions]
    active = [data.users.tokens[i] for i in order]
    if _USER_INPUT not in st.session_state:
        start = st.session_state.get(state.USER) or st.query_params.get(state.USER) or active[0]
        st.session_state[_USER_INPUT] = start

    def take_suggestion() -> None:
        if st.session_state[_SUGGESTION]:
            st.session_state[_USER_INPUT] = st.session_state[_SUGGESTION]

    cols = st.columns([2, 3])
    typed = cols[0].text_input(
        "Shopper id",
        key=_USER_INPUT,
        help="Any id from the log; an unknown id gets the cold-start list.",
    )
    cols[1].selectbox(
        "…or pick one of the most active shoppers",
        [None, *active],
        format_func=lambda u: (
            "—" if u is None else f"{u} ({lengths[data.users.index(u) - 1]} events)"
        ),
        key=_SUGGESTION,
        on_change=take_suggestion,
    )
    user = (typed or "").strip()
    st.session_state[state.USER] = user
    state.mirror_in_url(state.USER, user or None)
    if user and user not in data.users:
        st.caption(f"{plain(user)} is not in this dataset: showing the cold-start list.")
    return user
