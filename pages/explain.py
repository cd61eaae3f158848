"""Explain: why a model recommends an item to a shopper, and how far to trust the reasons."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.explain.explanation import supported_methods
from seqrec_core.figures.explanation import labelled_events, timeline_figure
from seqrec_core.ui import explain_sections as sections
from seqrec_core.ui import explain_views as views
from seqrec_core.ui import model_pickers, review_views, shopper_picker, state

st.title("Explain")
st.caption(
    "Pick a trained model and a shopper: see which past events drove a recommendation, "
    "by three methods that work differently (attention inside the model, Integrated "
    "Gradients on its inputs, and exact re-scoring without each event), and check them: "
    "removing the events an explanation ranks first should lower the score faster than "
    "removing random ones."
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
    options = views.settings_form(loaded, top, methods, names)
    expl = views.load_explanation(root, run_id, user, options)
    target = names.get(expl.target_item, expl.target_item)
    events = labelled_events(expl.positions(), loaded.prepared.catalog)
    figs = sections.Figures(file_stem=f"{run_id}-{user}")

    st.header(f"Shopper {user} → {target}")
    sections.show_summary(expl, target)
    figs.chart(timeline_figure(events, title=f"What {user} did, as the model reads it"), "timeline")

    st.subheader("Which past events drove the score")
    sections.show_attributions(expl, events, names, figs)

    if expl.attention is not None:
        st.subheader("Attention")
        st.caption(
            "Where each position looks, per layer and head. Attention describes the "
            "computation; it is not an attribution — compare it with the others below."
        )
        sections.show_attention(expl, events, figs)

    st.subheader("Can you trust it? Faithfulness checks")
    sections.show_faithfulness(expl, target, figs)

    st.subheader("Smallest change that changes the first recommendation")
    st.markdown(sections.counterfactual_text(expl, names))

    st.subheader("Export")
    sections.show_exports(expl, events, figs)

    with st.expander("Audit the explainers over many shoppers", icon=":material/fact_check:"):
        sections.show_audit(root, run_id, options)

    with st.expander(
        "Review report for sign-off (self-contained HTML)", icon=":material/description:"
    ):
        review_views.report_panel(workspace, run_id, user)
