"""Explain: why a model recommends an item to a shopper, and how far to trust the reasons."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.explain.explanation import supported_methods
from seqrec_core.figures.explanation import labelled_events
from seqrec_core.ui import explain_audit, model_pickers, review_views, shopper_picker, state
from seqrec_core.ui import explain_sections as sections
from seqrec_core.ui import explain_views as views

st.title("Explain")
st.caption(
    "Why the model recommends an item to a shopper, in one sentence first; then the "
    "events behind it, their categories and brands, and checks of how far to trust it."
)
workspace = ui.current_workspace()
dataset = state.require_dataset()
run_id = model_pickers.require_run(workspace, dataset)
root = str(workspace.root)

with ui.user_errors():
    loaded = views.load(root, run_id)
    methods = supported_methods(loaded.model)
    names = views.load_names(root, run_id)
    rankings = views.case_rankings(views.load_cases(root, run_id), names)
    user = shopper_picker.pick_shopper(model_pickers.load_shoppers(root, run_id), rankings=rankings)
    if user is None:
        st.stop()
    top = views.load_top(root, run_id, user)
    options = views.settings_form(run_id, loaded, top, methods, names)
    expl = views.load_explanation(root, run_id, user, options)
    target = names.get(expl.target_item, expl.target_item)
    events = labelled_events(expl.positions(), loaded.prepared.catalog)
    figs = sections.Figures(file_stem=f"{run_id}-{user}")

    st.header(f"Shopper {user} → {target}")
    sections.show_verdict(expl, names)
    with st.expander(sections.FOR_DATA_SCIENTISTS, icon=":material/science:"):
        sections.show_model_numbers(expl)

    labels = ["Why", "Categories and brands"]
    labels += ["Attention"] if expl.attention is not None else []
    labels += ["Can you trust it?", "Audit many shoppers", "Export and review report"]
    tabs = dict(zip(labels, st.tabs(labels), strict=True))
    with tabs["Why"]:
        st.subheader("Which past events drove the score")
        sections.show_why(expl, events, names, figs)
    with tabs["Categories and brands"]:
        sections.show_groups(expl, names, figs)
    if "Attention" in tabs:
        with tabs["Attention"]:
            sections.show_attention(expl, events, figs)
    with tabs["Can you trust it?"]:
        sections.show_faithfulness(expl, target, figs)
    with tabs["Audit many shoppers"]:
        explain_audit.show_audit(root, run_id, options)
    with tabs["Export and review report"]:
        sections.show_exports(expl, events, figs)
        st.subheader("Review report for sign-off")
        review_views.report_panel(workspace, run_id, user)
