"""The run picker of the model pages (kept in the URL) and the cached run loaders.

Session state holds the run id (a string); the loaded model and the run's shoppers (for
`shopper_picker`) live in `st.cache_resource` (read-only, shared across sessions, at most
two runs at a time).
"""

from __future__ import annotations

import streamlit as st

from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs import registry
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from seqrec_core.ui import state
from seqrec_core.ui.shopper_picker import Shoppers, shoppers_of_data


@st.cache_resource(max_entries=2, show_spinner="Loading the model and its data…")
def load_engine(root: str, run_id: str) -> RunRecommender:
    """A run's model with its data and aligned catalog (treated as read-only)."""
    return RunRecommender.from_run(load_run(Workspace.open(root), run_id))


@st.cache_resource(max_entries=2, show_spinner=False)
def load_shoppers(root: str, run_id: str) -> Shoppers:
    """The shoppers of a run's data, most active first, for `shopper_picker.pick_shopper`."""
    return shoppers_of_data(load_engine(root, run_id).loaded.prepared.data)


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
