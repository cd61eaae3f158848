"""Figures of the Shoppers page: the customer map, segments side by side, an audience's mix.

Pure functions: small frames in, titled and labelled plotly Figures out. Shopper and
segment ids are names (categories), never numbers on an axis.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, style

# Enough distinct colours for the usual handful of top-level categories or segments;
# further groups cycle.
_PALETTE = (
    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#EECA3B",
    "#9D755D", "#FF9DA6", "#79706E", "#A0CBE8", "#D67195",
)  # fmt: skip
_MISSING = "(none)"


def shopper_map_figure(
    points: pd.DataFrame,
    *,
    colour: str,
    colour_label: str,
    total: int,
    explained: tuple[float, float],
) -> go.Figure:
    """The customer map: one dot per drawn shopper, coloured by `colour`.

    Args:
        points: `user_id`, `x`, `y`, `taste` (what they go for, in words), `events` and
            the `colour` column (text: one trace per value, in the legend; numbers: a scale).
        colour_label: what the colour means, for the legend or the colour bar.
        total: all shoppers of the run (the title says when only a sample is drawn).
        explained: the share of the differences between shoppers along x and y.
    """
    fig = go.Figure()
    hover = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]:,} events<extra></extra>"
    )
    custom = ["user_id", "taste", "events"]
    values = points[colour] if colour in points else pd.Series([], dtype=object)
    if pd.api.types.is_numeric_dtype(values):
        fig.add_trace(
            go.Scattergl(
                x=points["x"], y=points["y"], mode="markers", name=colour_label,
                customdata=points[custom], hovertemplate=hover,
                marker={"size": 6, "color": values, "colorscale": "Viridis", "opacity": 0.8,
                        "colorbar": {"title": {"text": colour_label}}},
            )
        )  # fmt: skip
    else:
        labels = values.fillna(_MISSING).astype(str)
        order = labels.value_counts().index
        for i, value in enumerate(order):
            part = points[labels == value]
            fig.add_trace(
                go.Scattergl(
                    x=part["x"], y=part["y"], mode="markers", name=str(value),
                    customdata=part[custom], hovertemplate=hover,
                    marker={"size": 6, "color": _PALETTE[i % len(_PALETTE)], "opacity": 0.8},
                )
            )  # fmt: skip
    drawn = len(points)
    sample = f" (a sample of {drawn:,})" if drawn < total else ""
    style(
        fig,
        title=f"Map of {total:,} shoppers{sample}: nearby dots shop alike",
        x_title=f"Taste direction 1 ({explained[0]:.0%} of the differences)",
        y_title=f"Taste direction 2 ({explained[1]:.0%} of the differences)",
        empty=points.empty,
        note="No shopper to draw",
        legend_title=colour_label,
    )
    fig.update_layout(height=560, legend={"y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig


def segment_mix_figure(mix: pd.DataFrame) -> go.Figure:
    """Segments side by side: the share of each segment's events per top-level category.

    Args:
        mix: one row per segment (index: labels such as "Segment 1 · 318 shoppers"), one
            column per category, values 0..1 (rows sum to 1).
    """
    fig = go.Figure(
        go.Heatmap(
            z=mix.to_numpy(),
            x=[str(c) for c in mix.columns],
            y=[str(i) for i in mix.index],
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": "Share"}, "tickformat": ".0%"},
            texttemplate="%{z:.0%}",
            hovertemplate="%{y}<br>%{x}: %{z:.0%} of its events<extra></extra>",
        )
    )
    style(
        fig,
        title="What each segment shops: share of its events per category",
        x_title="Category",
        y_title="Segment",
        empty=mix.empty,
        note="No categories in this catalog",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    fig.update_layout(height=max(320, 120 + 40 * len(mix)))
    return fig


def audience_mix_figure(mix: pd.DataFrame, *, what: str = "category") -> go.Figure:
    """An audience against the whole shop: the share of events per category (or brand).

    Args:
        mix: `name`, `audience` and `shop` (shares 0..1), most telling first.
    """
    fig = go.Figure(
        [
            go.Bar(y=mix["name"], x=mix["audience"], orientation="h", name="Audience",
                   marker_color=BAR_COLOR, hovertemplate="%{y}: %{x:.0%} of the audience's events<extra></extra>"),
            go.Bar(y=mix["name"], x=mix["shop"], orientation="h", name="All shoppers",
                   marker_color=SECOND_COLOR, hovertemplate="%{y}: %{x:.0%} of all events<extra></extra>"),
        ]
    )  # fmt: skip
    style(
        fig,
        title=f"The audience against the whole shop, by {what}",
        x_title="Share of events",
        y_title=what.capitalize(),
        empty=mix.empty,
        note=f"No {what} information in this catalog",
    )
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    fig.update_layout(barmode="group", height=max(320, 80 + 44 * len(mix)))
    return fig
