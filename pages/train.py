"""Train: fit a sequence recommender in a background worker and compare it with baselines."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.runs import registry
from seqrec_core.training.devices import describe_device
from seqrec_core.ui import state, train_runs_views, train_views

st.title("Train")
workspace = ui.current_workspace()
dataset = state.require_dataset()
runs = registry.list_runs(workspace, dataset)  # as the page opens; re-read after a start
train_runs_views.draw_verdict(workspace, dataset, runs)
st.caption(
    "Train a model on the selected dataset. Training runs in its own process: you can "
    "reload, open another tab or close the browser, and it keeps going. Every model is "
    "scored the same way: each shopper's held-out next event ranked against the whole catalog."
)
st.markdown(f"**Device:** {ui.feedback.plain(describe_device('auto'))}")

with st.expander("New training run", expanded=not runs, icon=":material/add:"):
    choice = train_views.train_form(workspace, dataset)
    if choice is not None:
        train_views.start(workspace, dataset, choice)

active = any(info.active for info in registry.list_runs(workspace, dataset))
train_runs_views.draw_runs(workspace, dataset, refresh=active)
