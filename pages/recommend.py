"""Recommend: what a shopper would be shown and why; what-if edits; segment previews."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.ui import (
    model_pickers,
    recommend_views,
    shopper_picker,
    state,
    whatif_views,
)

st.title("Recommend")
st.caption(
    "See exactly what a shopper would be shown, with the past event behind each item. "
    "Edit their history (add, remove, reorder, change an event) and the list is "
    "re-scored at once; or preview what a whole segment of shoppers would see."
)
workspace = ui.current_workspace()
root = str(workspace.root)
dataset = state.require_dataset()
run_id = model_pickers.require_run(workspace, dataset)

with ui.user_errors():
    engine = model_pickers.load_engine(root, run_id)
    choices = recommend_views.filter_choices(root, run_id)
    filters, k = recommend_views.filters_form(choices)
    shopper, segment = st.tabs(["One shopper", "Segment preview"])
    with shopper:
        shoppers = model_pickers.load_shoppers(root, run_id)
        user = shopper_picker.pick_shopper(shoppers, allow_unknown=True)
        if user is None:
            st.stop()
        stored = engine.user_history(user) or ()
        # Shared by every session showing this shopper: the list and its graph connections.
        original, connections = recommend_views.shopper_list(
            workspace, dataset, run_id, user, k, filters
        )
        left, right = st.columns(2)
        with left:
            st.subheader("What they see now")
            recommend_views.show_list(
                original, key="original", title=f"Top {k} for {user}", connections=connections
            )
        with right:
            st.subheader("What if …")
            labels = whatif_views.item_labels(root, run_id)
            history = whatif_views.editor(engine, f"{run_id}/{user}", stored, labels)
        if history != stored:
            edited = engine.recommend(history, k=k, filters=filters, user=user)
            st.subheader("After the edit")
            recommend_views.show_list(edited, key="edited", title=f"Top {k} after the edit")
            whatif_views.show_diff(engine, original, edited, k)
        else:
            st.caption("Edit the history on the right to see how the list would change.")
        with st.expander("Saved scenarios, side by side", icon=":material/compare:"):
            whatif_views.scenarios(engine, f"{run_id}/{user}", history, filters, k)
    with segment:
        recommend_views.segment_preview(workspace, dataset, engine, choices, filters, k)
