"""Search: what a shopper sees for a query, next to what everyone sees, and why it moved."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.ui import (
    model_pickers,
    recommend_views,
    search_views,
    shopper_picker,
    state,
    whatif_views,
)

st.title("Search")
workspace = ui.current_workspace()
dataset = state.require_dataset()
run_id = model_pickers.require_run(workspace, dataset)
sentence = st.empty()

with ui.user_errors():
    root = str(workspace.root)
    engine = model_pickers.load_engine(root, run_id)
    search = search_views.load_search_engine(root, run_id)
    shoppers = model_pickers.load_shoppers(root, run_id)
    user = shopper_picker.pick_shopper(shoppers, allow_unknown=True)
    if user is None:
        st.stop()
    query = search_views.query_box(search_views.query_suggestions(engine.loaded.prepared.catalog))
    weight = st.slider(
        "Personalisation",
        0.0,
        1.0,
        0.5,
        0.1,
        key=search_views.WEIGHT,
        help="0: everyone sees the same list, ranked by how well products match the query. "
        "1: matching products ranked only by what the model expects this shopper to choose.",
    )
    filters, k = recommend_views.filters_form(recommend_views.filter_choices(root, run_id))
    stored = engine.user_history(user) or ()
    with st.expander("What if their history were different?", icon=":material/edit:"):
        labels = whatif_views.item_labels(root, run_id)
        history = whatif_views.editor(engine, f"search/{run_id}/{user}", stored, labels)
    if not query:
        sentence.markdown(
            "Type a query to see what this shopper would find, next to what everyone sees."
        )
    else:
        result = search.search(
            query, history, personalization=weight, k=k, filters=filters, user=user
        )
        sentence.markdown(search_views.verdict(result, user))
        search_views.show_results(result, user)
    search_views.show_metrics(root, run_id)
