"""Shoppers: the model's representation of every shopper — a map, segments, lookalikes."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.models.names import NEURAL_MODELS
from seqrec_core.ui import model_pickers, shoppers_views, state

st.title("Shoppers")
workspace = ui.current_workspace()
dataset = state.require_dataset()
run_id = model_pickers.require_run(workspace, dataset, NEURAL_MODELS)
sentence = st.empty()
st.caption(
    "A trained model reads each shopper's history into a list of numbers (a "
    "representation); shoppers with similar numbers shop alike. Use them to see how the "
    "customer base falls into groups, and to find the shoppers most like a list you choose."
)

with ui.user_errors():
    root = str(workspace.root)
    kind = shoppers_views.representation_picker()
    vectors = shoppers_views.vectors_for(root, run_id, kind)
    k = shoppers_views.segment_count()
    found = shoppers_views.segments_for(root, run_id, k, kind)
    sentence.markdown(shoppers_views.verdict(vectors, found))
    state.keep_values(shoppers_views.TAB_WIDGETS)
    lookalike_tab, map_tab, segments_tab = state.open_tabs(
        ["Lookalike audience", "Map", "Segments"], key=shoppers_views.TAB
    )
    with lookalike_tab:  # always drawn: the seeds typed or uploaded stay as they are
        shoppers_views.lookalike_builder(workspace, dataset, run_id, found)
    if map_tab.open:
        with map_tab:
            shoppers_views.show_map(root, dataset, run_id, found)
    if segments_tab.open:
        with segments_tab:
            shoppers_views.show_segments(root, run_id, found)
    shoppers_views.export_section(vectors)
