"""Recommend: what a shopper would be shown and why; what-if edits; segment previews."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.ui import (
    model_pickers,
    recommend_shopper_views,
    recommend_views,
    shopper_picker,
    state,
)

st.title("Recommend")
st.caption(
    "What a shopper would be shown, with the past product behind each item. Edit their "
    "history to see the list re-scored, or preview what a whole segment would see."
)
workspace = ui.current_workspace()
dataset = state.require_dataset()
run_id = model_pickers.require_run(workspace, dataset)

with ui.user_errors():
    root = str(workspace.root)
    engine = model_pickers.load_engine(root, run_id)
    choices = recommend_views.filter_choices(root, run_id)
    filters, k = recommend_views.filters_form(choices)
    state.keep_values(recommend_views.SEGMENT_WIDGETS)
    shopper, segment = state.open_tabs(["One shopper", "Segment preview"], recommend_views.TAB)
    with shopper:  # always drawn: the shopper and their what-if edits stay as they are
        user = shopper_picker.pick_shopper(
            model_pickers.load_shoppers(root, run_id), allow_unknown=True
        )
        if user is None:
            st.stop()
        recommend_shopper_views.shopper_tab(workspace, dataset, run_id, engine, user, k, filters)
    if segment.open:
        with segment:
            recommend_views.segment_preview(workspace, dataset, engine, choices, filters, k)
