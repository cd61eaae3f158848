"""Figures of the Recommend page: a list's scores, the what-if rank diff, segment items.

Pure functions: results in, a titled, axis-labelled plotly Figure with item titles out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, style
from seqrec_core.recommend.recommender import RecommendationList
from seqrec_core.recommend.whatif import DOWN, DROPPED, NEW, SAME, UP, RankChange

STATUS_COLORS = {
    NEW: "#54A24B",
    UP: "#4C78A8",
    DOWN: "#F58518",
    SAME: "#BAB0AC",
    DROPPED: "#E45756",
}


def _name(fields: dict[str, object], item_id: str) -> str:
    return str(fields.get("title") or item_id)


def recommendation_figure(
    result: RecommendationList, title: str = "Recommended items"
) -> go.Figure:
    """Horizontal bars of the model's score per recommended item, best on top."""
    names = [f"{r.rank}. {_name(r.fields, r.item_id)}" for r in result.items]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=[r.score for r in result.items],
            orientation="h",
            marker_color=BAR_COLOR if result.fallback is None else SECOND_COLOR,
            customdata=[[r.item_id, r.fields.get("category", ""), r.reason] for r in result.items],
            hovertemplate="%{y}<br>id %{customdata[0]} · %{customdata[1]}<br>score %{x:.3f}<br>%{customdata[2]}<extra></extra>",
        )
    )
    label = (
        "Popularity (training events)" if result.fallback else "Model score (higher ranks first)"
    )
    style(
        fig,
        title=title,
        x_title=label,
        y_title="Item",
        empty=not result.items,
        note="No item passes these filters",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=max(300, 60 + 28 * len(result.items)))
    return fig


def rank_diff_figure(
    changes: Sequence[RankChange], label: Callable[[str], str], k: int
) -> go.Figure:
    """Each item's rank before and after the edit (new items enter from k + 1, dropped leave to it)."""
    outside = k + 1
    fig = go.Figure()
    for change in changes:
        before = change.rank_before or outside
        after = change.rank_after or outside
        name = label(change.item_id)
        fig.add_trace(
            go.Scatter(
                x=[before, after],
                y=[name, name],
                mode="lines+markers",
                line={"color": STATUS_COLORS[change.status], "width": 3},
                marker={"size": [7, 12], "symbol": ["circle-open", "circle"]},
                name=change.status,
                legendgroup=change.status,
                showlegend=change.status not in {t.legendgroup for t in fig.data},
                hovertemplate=f"{name}<br>{change.status}: rank {change.rank_before or '–'} → {change.rank_after or '–'}<extra></extra>",
            )
        )
    style(
        fig,
        title="What changed: rank before (open) → after (filled)",
        x_title=f"Rank (1 is first; {outside} = not in the top {k})",
        y_title="Item",
        empty=not changes,
        note="No list to compare yet",
        legend_title="Change",
    )
    fig.update_xaxes(range=[outside + 0.5, 0.5], dtick=1)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=max(320, 60 + 26 * len(changes)))
    return fig


def most_recommended_figure(frame: pd.DataFrame, segment_size: int) -> go.Figure:
    """The items that appear in most lists of a segment."""
    fig = go.Figure(
        go.Bar(
            y=frame["title"] if not frame.empty else [],
            x=frame["share"] if not frame.empty else [],
            orientation="h",
            marker_color=BAR_COLOR,
            customdata=frame[["item_id", "lists"]] if not frame.empty else None,
            hovertemplate="%{y}<br>id %{customdata[0]}<br>in %{customdata[1]:,} lists (%{x:.0%})<extra></extra>",
        )
    )
    style(
        fig,
        title=f"Most recommended items across {segment_size:,} shoppers",
        x_title="Share of the segment's lists",
        y_title="Item",
        empty=frame.empty,
        note="No shopper in this segment",
    )
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=max(320, 60 + 24 * len(frame)))
    return fig
