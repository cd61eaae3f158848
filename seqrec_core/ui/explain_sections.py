"""Blocks of the Explain page: summary, timeline, attributions, attention, faithfulness,
counterfactual, exports and the audit.

They draw what `seqrec_core.explain.explanation` computed with the pure figure functions of
`explanation` / `faithfulness`; every drawn figure is also collected in
`Figures` so one click exports them all (standalone HTML). PNG export is plotly's own
camera button on each chart (rendered in the browser, works offline); numbers export as
CSV through `report.csv_export`, so no cell opens as a spreadsheet formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from seqrec_core.explain.explanation import Explanation
from seqrec_core.explain.options import DELTA_FLOOR, LARGE_DELTA, METHOD_NAMES, ExplainOptions
from seqrec_core.explain.sentences import counterfactual_sentence
from seqrec_core.figures import explanation as fx
from seqrec_core.figures import faithfulness as ff
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.ui import explain_views
from seqrec_core.ui.feedback import plain

AUDIT_DONE = "_explain_audit_done"  # the audit form was submitted once this session


@dataclass
class Figures:
    """The figures drawn on this run of the page, by title, for the HTML export."""

    drawn: dict[str, go.Figure] = field(default_factory=dict)
    file_stem: str = "explanation"

    def chart(self, fig: go.Figure, key: str) -> None:
        """Draw `fig` (with a PNG camera button) and remember it for the export."""
        title = fig.layout.title.text or key
        self.drawn[title] = fig
        config = {
            "displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": f"{self.file_stem}-{key}"},
        }
        st.plotly_chart(fig, key=key, config=config, width="stretch")

    def html(self) -> str:
        """One standalone HTML page with every figure (plotly.js embedded once)."""
        parts = [
            fig.to_html(full_html=False, include_plotlyjs=(n == 0))
            for n, fig in enumerate(self.drawn.values())
        ]
        body = "\n".join(f"<section>{part}</section>" for part in parts)
        return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{self.file_stem}</title></head><body>{body}</body></html>"


def show_summary(expl: Explanation, target: str) -> None:
    """Headline tiles, notes on missing methods, and IG's convergence check."""
    cols = st.columns(4)
    cols[0].metric("Target", target, help=f"item id {expl.target_item}")
    cols[1].metric("Score", f"{expl.target_score:.3f}")
    cols[2].metric("Rank", f"{expl.target_rank:,}", help="Among items the shopper has not seen.")
    if expl.ig is not None:
        delta, relative = float(expl.ig.convergence_delta[0]), float(expl.ig.relative_delta[0])
        cols[3].metric(
            "IG convergence delta",
            f"{delta:.2e}",
            help="Sum of attributions minus (score − baseline score); near 0 means complete.",
        )
        if expl.ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0]:
            st.warning(
                f"Integrated Gradients is off by {relative:.0%} of the score gap "
                f"(delta {delta:.3g}): raise the number of steps before trusting the bars.",
                icon=":material/warning:",
            )
    for note in expl.notes:
        st.info(plain(note), icon=":material/info:")
    h = expl.history
    if h.skipped:
        st.caption(
            f"The model reads the newest {len(h.item_ids)} events; {h.skipped} older ones "
            "cannot change the score and are not shown."
        )


def show_attributions(
    expl: Explanation, events: pd.DataFrame, names: dict[str, str], figs: Figures
) -> None:
    """IG per part, occlusion, all methods side by side, and category/brand groups."""
    methods = list(expl.attributions())
    target = names.get(expl.target_item, expl.target_item)
    tabs = st.tabs(
        [
            *(["Integrated Gradients"] if expl.ig is not None else []),
            *(["Occlusion"] if expl.occlusion is not None else []),
            "All methods",
            "Categories and brands",
        ]
    )
    n = 0
    if expl.ig is not None:
        with tabs[n]:
            ig = expl.ig
            caveat = (
                " The newest event is also the position the prediction is read from, so IG "
                "often credits it most; occlusion removes events instead and may disagree."
                if expl.model_name != "bert4rec"  # BERT4Rec reads its appended [MASK]
                else ""
            )
            st.caption(
                f"Baseline: {ig.baseline}; {ig.n_steps} steps. Positive: the event raised "
                f"the score. Split by what the model embeds per event.{caveat}"
            )
            fig = fx.attribution_figure(
                events,
                list(ig.parts),
                title=f"Integrated Gradients for {target}",
                x_title=f"Contribution to the score of {target}",
            )
            figs.chart(fig, "ig")
        n += 1
    if expl.occlusion is not None:
        with tabs[n]:
            st.caption("Exact: the score minus the score re-computed without that one event.")
            fig = fx.signed_bars_figure(
                events,
                "occlusion",
                title=f"Occlusion: score lost without each event ({target})",
                x_title=f"Score of {target} lost without the event",
            )
            figs.chart(fig, "occlusion")
        n += 1
    with tabs[n]:
        figs.chart(
            fx.method_comparison_figure(events, methods, title="Methods side by side"), "methods"
        )
    with tabs[n + 1]:
        figs.chart(
            fx.group_figure(
                expl.groups, names, title=f"Remove a whole category or brand ({target})"
            ),
            "groups",
        )


def show_attention(expl: Explanation, events: pd.DataFrame, figs: Figures) -> None:
    """Heatmap of one layer and head (or their mean), rollout, and the final position's row."""
    att = expl.attention
    if att is None:
        return
    labels = list(events["label"]) + ["[MASK]"] * att.extra_slots
    cols = st.columns(2)
    layer = cols[0].selectbox(
        "Layer", range(len(att.layers)), format_func=lambda i: f"layer {i + 1}"
    )
    heads = att.layers[layer].shape[0]
    head = cols[1].selectbox(
        "Head",
        [-1, *range(heads)],
        format_func=lambda h: "mean of heads" if h < 0 else f"head {h + 1}",
    )
    weights = att.layers[layer].mean(axis=0) if head < 0 else att.layers[layer][head]
    which = "mean of heads" if head < 0 else f"head {head + 1}"
    figs.chart(
        fx.attention_heatmap_figure(
            weights, labels, title=f"Attention, layer {layer + 1}, {which}"
        ),
        "attention_map",
    )
    left, right = st.columns(2)
    with left:
        figs.chart(
            fx.attention_heatmap_figure(
                att.rollout, labels, title="Attention rollout across layers"
            ),
            "rollout",
        )
    with right:
        figs.chart(
            fx.signed_bars_figure(
                events,
                "attention_rollout",
                title="What the predicting position attends to (rollout)",
                x_title="Share of attention flow",
            ),
            "final_attention",
        )


def show_faithfulness(expl: Explanation, target: str, figs: Figures) -> None:
    """Deletion curves (score, rank), comprehensiveness, agreement, and a verdict per method."""
    curves = expl.curves
    if curves is None:
        return
    verdicts = [
        f"**{METHOD_NAMES[m]}** {'beats' if curves.faithful(m) else 'does not beat'} random orders"
        for m in curves.scores
    ]
    st.markdown(" · ".join(verdicts))
    frame = curves.frame()
    left, right = st.columns(2)
    with left:
        figs.chart(ff.deletion_curve_figure(frame, target=target), "deletion_score")
    with right:
        figs.chart(ff.deletion_curve_figure(frame, target=target, measure="rank"), "deletion_rank")
    left, right = st.columns(2)
    with left:
        figs.chart(ff.comprehensiveness_figure(curves.comprehensiveness(), target=target), "comp")
    with right:
        figs.chart(ff.agreement_figure(expl.agreement()), "agreement")


def counterfactual_text(expl: Explanation, names: dict[str, str]) -> str:
    """ "Without X and Y, the first recommendation would be Z." (markdown)."""
    return counterfactual_sentence(expl, names, emphasis=lambda text: f"**{plain(text)}**")


def show_exports(expl: Explanation, events: pd.DataFrame, figs: Figures) -> None:
    """CSV downloads of the numbers and one HTML file with every figure."""
    cols = st.columns(4)
    stem = figs.file_stem
    cols[0].download_button(
        "Events and attributions (CSV)",
        csv_bytes(events),
        file_name=f"{stem}-events.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    if expl.curves is not None:
        checks = expl.curves.comprehensiveness()
        cols[1].download_button(
            "Deletion curves (CSV)",
            csv_bytes(expl.curves.frame()),
            file_name=f"{stem}-deletion.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        cols[2].download_button(
            "Faithfulness checks (CSV)",
            csv_bytes(checks),
            file_name=f"{stem}-faithfulness.csv",
            mime="text/csv",
            icon=":material/download:",
        )
    cols[3].download_button(
        "All figures (HTML)",
        figs.html,  # built on click only
        file_name=f"{stem}-figures.html",
        mime="text/html",
        icon=":material/download:",
    )
    st.caption("PNG: use the camera button at the top right of any chart.")


def show_audit(root: str, run_id: str, options: ExplainOptions) -> None:
    """A form to audit the explainers over sampled users, and its results."""
    with st.form("explain_audit"):
        cols = st.columns(2)
        users = cols[0].number_input(
            "Shoppers to audit", 5, 500, 30, step=5, key="explain_audit_users"
        )
        seed = cols[1].number_input("Sample seed", 0, 2**31 - 1, 0, key="explain_audit_seed")
        run = st.form_submit_button("Run the audit", icon=":material/fact_check:")
    if not run and AUDIT_DONE not in st.session_state:
        st.caption("Each shopper's first recommendation is explained and checked like above.")
        return
    st.session_state[AUDIT_DONE] = True
    result = explain_views.load_audit(root, run_id, int(users), int(seed), options)
    summary = result.summary()
    st.plotly_chart(ff.audit_figure(summary), key="audit", config={"displaylogo": False})
    st.json(summary, expanded=False)
    st.download_button(
        "Audit per shopper (CSV)",
        csv_bytes(result.per_user),
        file_name=f"{run_id}-audit.csv",
        mime="text/csv",
        icon=":material/download:",
    )
