"""Figures of the faithfulness checks: deletion curves, comprehensiveness, agreement, audits.

Pure functions: the frames of `faithfulness.DeletionCurves` (`frame()`,
`comprehensiveness()`), an agreement matrix or an audit summary in, a titled,
axis-labelled plotly Figure out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seqrec_core.explain.faithfulness import COMPREHENSIVENESS_KS, RANDOM
from seqrec_core.explain.options import METHOD_NAMES
from seqrec_core.figures.explanation import METHOD_COLORS, legend_below
from seqrec_core.figures.style import BAR_COLOR, style
from seqrec_core.report.numbers import count


def _name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def deletion_curve_figure(
    curves: pd.DataFrame, *, target: str, measure: str = "score"
) -> go.Figure:
    """The target's score (or rank) while events are removed, most attributed first.

    Args:
        curves: `method`, `removed`, `score`, `rank` (`DeletionCurves.frame()`).
        target: the target item's display name.
        measure: "score" or "rank".
    """
    fig = go.Figure()
    for method, rows in curves.groupby("method", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["removed"],
                y=rows[measure],
                mode="lines+markers",
                name=_name(str(method)) + (" (mean of orders)" if method == RANDOM else ""),
                line={
                    "color": METHOD_COLORS.get(str(method), BAR_COLOR),
                    "dash": "dash" if method == RANDOM else "solid",
                },
                hovertemplate=f"%{{x}} removed<br>{measure} %{{y:.3g}}<extra>{_name(str(method))}</extra>",
            )
        )
    y_title = f"Score of {target}" if measure == "score" else f"Rank of {target}"
    title = f"{y_title} as the most attributed events are removed first"
    fig = style(
        fig,
        title=title,
        x_title="Events removed",
        y_title=y_title,
        empty=curves.empty,
        legend_title="Order",
    )
    if measure == "rank":
        fig.update_yaxes(autorange="reversed")  # rank 1 on top
    return legend_below(fig)


def comprehensiveness_figure(table: pd.DataFrame, *, target: str) -> go.Figure:
    """Score drop after removing each method's top-k events (k = 1, 3, 5) vs random k."""
    columns = [f"k={k}" for k in COMPREHENSIVENESS_KS]
    fig = go.Figure()
    for record in table.to_dict("records"):
        method = str(record["method"])
        fig.add_trace(
            go.Bar(
                x=columns,
                y=[record[c] for c in columns],
                name=_name(method),
                marker_color=METHOD_COLORS.get(method, BAR_COLOR),
                hovertemplate="%{x}: score drop %{y:.3g}<extra>" + _name(method) + "</extra>",
            )
        )
    fig = style(
        fig,
        title="Comprehensiveness: score lost without the top-k events",
        x_title="Events removed (k)",
        y_title=f"Score drop of {target}",
        empty=table.empty,
        legend_title="Method",
    )
    fig.update_layout(barmode="group")
    return legend_below(fig)


def agreement_figure(matrix: pd.DataFrame) -> go.Figure:
    """Spearman rank correlation between methods' attributions (−1 … 1)."""
    names = [_name(m) for m in matrix.columns]
    values = matrix.to_numpy(dtype=float)
    text = [["–" if np.isnan(v) else f"{v:.2f}" for v in row] for row in values]
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=names,
            y=names,
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            text=text,
            texttemplate="%{text}",
            colorbar={"title": {"text": "Spearman"}},
            hovertemplate="%{y} vs %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig = style(
        fig,
        title="Agreement between methods (rank correlation over the events)",
        x_title="Method",
        y_title="Method",
        empty=matrix.empty,
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=360)
    return fig


def audit_figure(summary: Mapping[str, Any]) -> go.Figure:
    """Per method: the share of audited shoppers where its order beats random orders
    (the whole deletion curve, and removing its top 1, 3, 5 events)."""
    methods = {m: s for m, s in summary["methods"].items() if m != RANDOM}
    measures = ["faithful_share", *(f"beats_random@{k}" for k in COMPREHENSIVENESS_KS)]
    labels = ["deletion curve", *(f"top-{k} removal" for k in COMPREHENSIVENESS_KS)]
    fig = go.Figure()
    for method, stats in methods.items():
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[stats.get(m) for m in measures],
                name=_name(method),
                marker_color=METHOD_COLORS.get(method, BAR_COLOR),
                hovertemplate="%{x}: %{y:.0%} of shoppers<extra>" + _name(method) + "</extra>",
            )
        )
    fig = style(
        fig,
        title=f"Audit of {count(summary.get('users', 0))} shoppers: how often each method "
        "beats random events",
        x_title="Check",
        y_title="Share of shoppers",
        empty=not methods,
        legend_title="Method",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return legend_below(fig)
