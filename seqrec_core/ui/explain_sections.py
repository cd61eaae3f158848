"""Blocks of the Explain page: the verdict, why (events), categories and brands,
attention, faithfulness and exports. The audit is `explain_audit`.

The page opens with sentences a merchandiser can act on (`explain.sentences`); model
internals (scores, IG's convergence delta, comprehensiveness, rank correlations) sit in
"For data scientists" expanders, written by `report.numbers`. Figures come from the pure
functions of `figures.explanation` / `figures.faithfulness`; every drawn figure is also
collected in `Figures` so one click exports them all (standalone HTML). PNG export is
plotly's own camera button on each chart (rendered in the browser, works offline);
numbers export as CSV through `report.csv_export`, so no cell opens as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from seqrec_core.explain import sentences
from seqrec_core.explain.explanation import Explanation
from seqrec_core.explain.options import DELTA_FLOOR, LARGE_DELTA, METHOD_NAMES
from seqrec_core.figures import explanation as fx
from seqrec_core.figures import faithfulness as ff
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.report.numbers import count, percent, significant
from seqrec_core.ui.feedback import plain

FOR_DATA_SCIENTISTS = "For data scientists"


def bold(text: str) -> str:
    """Markdown bold of raw text (the `emphasis` of the sentences)."""
    return f"**{plain(text)}**"


@dataclass
class Figures:
    """The figures drawn on this run of the page, by chart key, for the HTML export."""

    drawn: dict[str, go.Figure] = field(default_factory=dict)
    file_stem: str = "explanation"

    def chart(self, fig: go.Figure, key: str) -> None:
        """Draw `fig` (with a PNG camera button) and remember it for the export."""
        self.drawn[key] = fig
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


def show_verdict(expl: Explanation, names: dict[str, str]) -> None:
    """The opening: why, in one sentence; the smallest change; rank tiles; notes."""
    st.markdown(f"#### {sentences.verdict_sentence(expl, names, emphasis=bold)}")
    st.markdown(
        "**Smallest change that changes the first recommendation:** "
        + sentences.counterfactual_sentence(expl, names, emphasis=bold)
    )
    cols = st.columns(3)
    cols[0].metric("Rank", count(expl.target_rank), help="Among items the shopper has not seen.")
    if expl.reasons is not None:
        cols[1].metric(
            "Rank without the main reasons",
            count(expl.reasons.rank_without),
            help="Re-scored by the model with the events named above left out.",
        )
    h = expl.history
    cols[2].metric(
        "Past events the model reads",
        count(len(h.item_ids)),
        help=f"Its newest events; {count(h.skipped)} older ones cannot change the score."
        if h.skipped
        else "Every event of this shopper.",
    )
    for note in expl.notes:
        st.info(plain(note), icon=":material/info:")
    if expl.ig is not None and expl.ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0]:
        st.warning(
            f"Integrated Gradients is off by {percent(float(expl.ig.relative_delta[0]))} of "
            "the score gap: raise its steps (method settings) before trusting its bars.",
            icon=":material/warning:",
        )


def show_model_numbers(expl: Explanation) -> None:
    """Scores and IG's completeness, for data scientists (inside their expander)."""
    cols = st.columns(3)
    cols[0].metric("Score", significant(expl.target_score), help="The model's raw score (a logit).")
    if expl.reasons is not None:
        cols[1].metric(
            "Score without the main reasons",
            significant(expl.reasons.score_without),
            help=f"The named events carry {percent(expl.reasons.share)} of the lift of all "
            "events that raise the score (occlusion, each event left out on its own).",
        )
    if expl.ig is not None:
        delta, relative = float(expl.ig.convergence_delta[0]), float(expl.ig.relative_delta[0])
        cols[2].metric(
            "IG convergence delta",
            significant(delta, 2),
            help="Sum of attributions minus (score − baseline score); near 0 means complete. "
            f"Here {percent(relative)} of the score gap.",
        )


def show_why(expl: Explanation, events: pd.DataFrame, names: dict[str, str], figs: Figures) -> None:
    """The timeline and each event's effect; other methods behind an expander."""
    target = names.get(expl.target_item, expl.target_item)
    figs.chart(
        fx.timeline_figure(events, title=f"What {expl.history.user_id} did, as the model reads it"),
        "timeline",
    )
    if expl.occlusion is not None:
        st.caption(
            f"Each bar: how much the score of {plain(target)} falls when that one event is left "
            "out (the model re-scores it). Longer bars are stronger reasons; red ones hold it back."
        )
        fig = fx.signed_bars_figure(
            events,
            "occlusion",
            title=f"What each past event does for {target}",
            x_title=f"Score of {target} lost without the event",
        )
        figs.chart(fig, "occlusion")
    with st.expander(f"{FOR_DATA_SCIENTISTS}: Integrated Gradients and every method"):
        _other_methods(expl, events, target, figs)


def _other_methods(expl: Explanation, events: pd.DataFrame, target: str, figs: Figures) -> None:
    """IG per embedding part and all methods side by side."""
    if expl.ig is not None:
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
    methods = list(expl.attributions())
    figs.chart(
        fx.method_comparison_figure(events, methods, title="Methods side by side"), "methods"
    )


def show_groups(expl: Explanation, names: dict[str, str], figs: Figures) -> None:
    """The category or brand that matters most, and every group's effect."""
    target = names.get(expl.target_item, expl.target_item)
    st.markdown(sentences.group_sentence(expl.groups, target, emphasis=bold))
    figs.chart(
        fx.group_figure(expl.groups, names, title=f"Remove a whole category or brand ({target})"),
        "groups",
    )


def show_attention(expl: Explanation, events: pd.DataFrame, figs: Figures) -> None:
    """Rollout across layers, one layer and head, and the predicting position's row."""
    att = expl.attention
    if att is None:
        return
    st.caption(
        "Where each position looks, per layer and head. Attention describes the "
        "computation; it is not an attribution: compare it with the bars under “Why”."
    )
    labels = list(events["label"]) + ["[MASK]"] * att.extra_slots
    rollout, one, final = st.tabs(
        ["Across layers (rollout)", "One layer and head", "What the prediction reads"]
    )
    with rollout:
        figs.chart(
            fx.attention_heatmap_figure(
                att.rollout, labels, title="Attention rollout across layers"
            ),
            "rollout",
        )
    with one:
        cols = st.columns(2)
        layer = cols[0].selectbox(
            "Layer", range(len(att.layers)), format_func=lambda i: f"layer {i + 1}"
        )
        head = cols[1].selectbox(
            "Head",
            [-1, *range(att.layers[layer].shape[0])],
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
    with final:
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
    """Which explanations pass the deletion check; the curves and numbers behind it."""
    curves = expl.curves
    if curves is None:
        st.caption("The faithfulness checks were not run for this explanation.")
        return
    st.markdown(sentences.trust_sentence({m: curves.faithful(m) for m in curves.scores}))
    frame = curves.frame()
    figs.chart(ff.deletion_curve_figure(frame, target=target, measure="rank"), "deletion_rank")
    with st.expander(f"{FOR_DATA_SCIENTISTS}: scores, comprehensiveness, agreement"):
        figs.chart(ff.deletion_curve_figure(frame, target=target), "deletion_score")
        checks = curves.comprehensiveness()
        figs.chart(ff.comprehensiveness_figure(checks, target=target), "comp")
        st.dataframe(comprehensiveness_table(checks), hide_index=True)
        figs.chart(ff.agreement_figure(expl.agreement()), "agreement")


def comprehensiveness_table(checks: pd.DataFrame) -> pd.DataFrame:
    """`DeletionCurves.comprehensiveness()` for reading: method names, 3 significant digits."""
    out = pd.DataFrame({"Method": [METHOD_NAMES.get(m, m) for m in checks["method"]]})
    for column in checks.columns.drop("method"):
        title = "Mean score drop" if column == "score drop" else f"Score drop, top {column[2:]}"
        out[title] = [significant(float(v)) for v in checks[column]]
    return out


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
        cols[1].download_button(
            "Deletion curves (CSV)",
            csv_bytes(expl.curves.frame()),
            file_name=f"{stem}-deletion.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        cols[2].download_button(
            "Faithfulness checks (CSV)",
            csv_bytes(expl.curves.comprehensiveness()),
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
