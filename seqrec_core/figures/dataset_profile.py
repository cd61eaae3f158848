"""Figures of a dataset profile (the Data page and the review report).

Pure functions: the frames `seqrec_core.data.dataset_profile` returns in, a plotly Figure out, each
with a title, axis titles and item titles, categories and brands rather than raw ids. An
empty frame gives a labelled, empty figure with a note instead of an error. Ids, event
words, categories and brands sit on category axes, so numeric product ids (85123, 4.5M)
are never spread over a numeric scale; the time axis follows the profile's time bin
(minutes for a log of hours, months for one of years); the long tail is thinned to
`MAX_TAIL_POINTS` log-spaced ranks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seqrec_core.figures.style import (
    BAR_COLOR,
    SECOND_COLOR,
    count_axis,
    event_color,
    item_labels,
    ranked_bars,
    style,
)
from seqrec_core.report.numbers import percent, significant

_SUB_DAY_BINS = ("minute", "hour")
_BIN_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 7 * 86_400_000}
# The long-tail scatter draws at most this many points (log-spaced ranks, first and last kept).
MAX_TAIL_POINTS = 2000
# Sequence lengths up to this get a bar each; longer ones are grouped at _LENGTH_EDGES.
EXACT_LENGTHS = 150
_LENGTH_EDGES = (1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, 101, 201, 501, 1001, 2001, 5001, 10001)


def events_over_time_figure(frame: pd.DataFrame, time_bin: str = "day") -> go.Figure:
    """Stacked area of events per time bin, one band per event type.

    Args:
        frame: `period, event_type, events` (from `data.dataset_profile.events_over_time`).
        time_bin: 'minute', 'hour', 'day', 'week' or 'month', named in the title and the
            y axis; minutes and hours show clock times (UTC).
    """
    unit = time_bin
    sub_day = time_bin in _SUB_DAY_BINS
    when = "%{x|%Y-%m-%d %H:%M}" if sub_day else "%{x|%Y-%m-%d}"
    fig = go.Figure()
    types = list(frame.groupby("event_type")["events"].sum().sort_values(ascending=False).index)
    for i, event_type in enumerate(types):
        part = frame[frame["event_type"] == event_type].sort_values("period")
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["events"],
                name=str(event_type),
                mode="lines",
                stackgroup="events",
                line={"width": 0.5, "color": event_color(event_type, i)},
                hovertemplate=f"{when}<br>{event_type}: %{{y:,}}<extra></extra>",
            )
        )
    fig = style(
        fig,
        title=f"Events per {unit}, by event type",
        x_title=_time_title(time_bin),
        y_title=f"Events per {unit}",
        empty=frame.empty,
        legend_title="Event type",
    )
    periods = frame["period"].nunique()
    if periods <= 40:  # few bins: show the points and one tick per bin
        fig.update_traces(mode="lines+markers", marker={"size": 5})
    if time_bin in _BIN_MS and periods <= 14:
        fig.update_xaxes(
            dtick=_BIN_MS[time_bin], tickformat="%H:%M\n%b %d" if sub_day else "%b %d\n%Y"
        )
    count_axis(fig, "y", frame.groupby("period")["events"].sum().max() if periods else 0)
    return fig


def _time_title(time_bin: str) -> str:
    """The time axis title: clock times for sub-day bins, the bin's start otherwise."""
    if time_bin in _SUB_DAY_BINS:
        return "Time (UTC)"
    return "Date" if time_bin == "day" else f"{time_bin.capitalize()} starting"


def funnel_figure(frame: pd.DataFrame) -> go.Figure:
    """Distinct users per event type in funnel order, labelled with their share of users.

    Args:
        frame: `event_type, events, users, user_share` (from `data.dataset_profile.funnel`).
    """
    colors = [event_color(t, i) for i, t in enumerate(frame["event_type"])]
    fig = go.Figure(
        go.Bar(
            x=frame["event_type"].astype(str),
            y=frame["users"],
            marker_color=colors,
            text=[f"{percent(share)} of users" for share in frame["user_share"]],
            textposition="outside",
            customdata=frame[["events"]],
            hovertemplate="%{x}<br>%{y:,} users<br>%{customdata[0]:,} events<extra></extra>",
        )
    )
    fig = style(
        fig,
        title="Funnel: users per event type",
        x_title="Event type",
        y_title="Distinct users",
        empty=frame.empty,
    )
    fig.update_xaxes(type="category")  # event words may be codes such as "1", "2"
    fig.update_yaxes(rangemode="tozero")
    count_axis(fig, "y", frame["users"].max() if not frame.empty else 0)
    return fig


def sequence_length_figure(frame: pd.DataFrame, median: float | None = None) -> go.Figure:
    """Users per sequence length (events per user).

    Lengths up to `EXACT_LENGTHS` get one bar each; longer tails are grouped into bins
    that widen with the length (1, 2, …, 6–7, 8–10, …, 10k+), so a few power users do not
    squeeze the chart.

    Args:
        frame: `length, users` (from `data.dataset_profile.sequence_lengths`).
        median: marked (a dashed line, or named in the title when lengths are binned).
    """
    binned = not frame.empty and frame["length"].max() > EXACT_LENGTHS
    if binned:
        bins = length_bins(frame)
        x, y = bins["bin"], bins["users"]
        hover = "%{x} events: %{y:,} users<extra></extra>"
    else:
        x, y = frame["length"], frame["users"]
        hover = "%{x:,} events: %{y:,} users<extra></extra>"
    fig = go.Figure(go.Bar(x=x, y=y, marker_color=BAR_COLOR, hovertemplate=hover))
    title = "Sequence length: events per user"
    if median is not None and not frame.empty:
        title += f" (median {significant(median)})"
    fig = style(
        fig,
        title=title,
        x_title="Events per user" + (" (grouped)" if binned else ""),
        y_title="Users",
        empty=frame.empty,
    )
    if binned:
        fig.update_xaxes(type="category")
    else:
        count_axis(fig, "x", frame["length"].max() if not frame.empty else 0)
        if median is not None and not frame.empty:
            fig.add_vline(x=median, line_dash="dash", line_color=SECOND_COLOR)
    count_axis(fig, "y", max(y) if len(y) else 0)
    return fig


def length_bins(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum `users` per length bin: columns `bin` (a label like '8–10') and `users`,
    in length order, up to the bin holding the longest sequence."""
    lows = [edge for edge in _LENGTH_EDGES if edge <= frame["length"].max()]
    rows = []
    for i, low in enumerate(lows):
        high = _LENGTH_EDGES[i + 1] - 1 if i + 1 < len(_LENGTH_EDGES) else None
        inside = frame["length"] >= low
        if high is not None:
            inside &= frame["length"] <= high
        if high is None:
            label = f"{_short(low)}+"
        elif high == low:
            label = _short(low)
        else:
            label = f"{_short(low)}–{_short(high)}"
        rows.append((label, int(frame.loc[inside, "users"].sum())))
    return pd.DataFrame(rows, columns=["bin", "users"])


def _short(n: int) -> str:
    # Bin edges above 1000 are 1001, 2001, …: shown as 1k, 2k, … (`1k–2k` reads naturally).
    return f"{round(n / 1000)}k" if n >= 1000 else str(n)


def popularity_figure(frame: pd.DataFrame) -> go.Figure:
    """The item-popularity long tail on log–log axes (rank vs events).

    Args:
        frame: `rank, item_id, title, events, cumulative_share` (`data.dataset_profile.item_popularity`),
            in rank order; more than `MAX_TAIL_POINTS` rows are thinned to log-spaced ranks.
    """
    frame = thin_tail(frame)
    labels = item_labels(frame["item_id"], frame.get("title"))
    fig = go.Figure(
        go.Scatter(
            x=frame["rank"],
            y=frame["events"],
            mode="lines+markers",
            marker={"size": 4, "color": BAR_COLOR},
            line={"color": BAR_COLOR},
            text=labels,
            customdata=frame[["cumulative_share"]],
            hovertemplate=(
                "#%{x:,} %{text}<br>%{y:,} events<br>"
                "top %{x:,} items: %{customdata[0]:.1%} of events<extra></extra>"
            ),
        )
    )
    fig = style(
        fig,
        title="Item popularity long tail",
        x_title="Item rank (log scale)",
        y_title="Events per item (log scale)",
        empty=frame.empty,
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    if not frame.empty:
        # One tick per power of ten once the axis spans decades (the default adds small
        # 2s and 5s that read like a broken scale).
        if frame["rank"].max() >= 100:
            fig.update_xaxes(dtick=1)
        if frame["events"].max() >= 100:
            fig.update_yaxes(dtick=1)
    if not frame.empty:
        # On log axes annotation positions are log10 values: rank 1 sits at x = 0.
        fig.add_annotation(
            x=0,
            y=math.log10(max(float(frame["events"].iloc[0]), 1.0)),
            text=f"#1 {labels.iloc[0]}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
        )
    return fig


def thin_tail(frame: pd.DataFrame, max_points: int = MAX_TAIL_POINTS) -> pd.DataFrame:
    """At most `max_points` rows of a rank-ordered frame, log-spaced so the head stays dense
    (the first and the last row are always kept)."""
    if len(frame) <= max_points:
        return frame
    keep = np.unique(np.geomspace(1, len(frame), max_points).round().astype(int) - 1)
    return frame.iloc[keep].reset_index(drop=True)


def top_items_figure(frame: pd.DataFrame) -> go.Figure:
    """The most popular items by events, named by their catalog titles.

    Args:
        frame: `item_id, title, events, users` (from `data.dataset_profile.top_items`).
    """
    labels = item_labels(frame["item_id"], frame.get("title"))
    fig = ranked_bars(
        labels,
        frame,
        title="Most popular items",
        y_title="Item",
        hover_ids=frame["item_id"].astype(str),
        empty_note="No items to show",
    )
    return _category_rows(fig)


def coverage_figure(frame: pd.DataFrame) -> go.Figure:
    """Share of items (and of events) whose item has each catalog field.

    Args:
        frame: `field, items_with_value, item_share, event_share` (`data.dataset_profile.catalog_coverage`).
    """
    nothing = frame.empty or not (frame["item_share"] > 0).any()
    fig = go.Figure()
    for column, name, color in (
        ("item_share", "Share of items", BAR_COLOR),
        ("event_share", "Share of events", SECOND_COLOR),
    ):
        fig.add_trace(
            go.Bar(
                y=frame["field"].astype(str),
                x=frame[column],
                name=name,
                orientation="h",
                marker_color=color,
                text=None if nothing else [percent(v) for v in frame[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"%{{y}}: %{{x:.1%}} {name.lower()}<extra></extra>",
            )
        )
    fig = style(
        fig,
        title="Catalog coverage by field",
        x_title="Share with a value",
        y_title="Catalog field",
        empty=nothing,
        note="No item metadata: add a catalog file (item_id, title, category, brand, price)",
        legend_title="Counted over",
    )
    fig.update_layout(barmode="group")
    fig.update_xaxes(range=[0, 1.12], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    fig.update_yaxes(autorange="reversed")
    return fig


def top_categories_figure(frame: pd.DataFrame, level: str = "top") -> go.Figure:
    """Categories with most events (top level or full path).

    Args:
        frame: `category, events, users, items` (from `data.dataset_profile.top_categories`).
        level: 'top' or 'path', named in the title.
    """
    what = "top-level categories" if level == "top" else "category paths"
    fig = ranked_bars(
        frame["category"].astype(str),
        frame,
        title=f"Most active {what}",
        y_title="Category",
        empty_note="No categories in this dataset's catalog",
    )
    return _category_rows(fig)


def top_brands_figure(frame: pd.DataFrame) -> go.Figure:
    """Brands with most events.

    Args:
        frame: `brand, events, users, items` (from `data.dataset_profile.top_brands`).
    """
    fig = ranked_bars(
        frame["brand"].astype(str),
        frame,
        title="Most active brands",
        y_title="Brand",
        empty_note="No brands in this dataset's catalog",
    )
    return _category_rows(fig)


def _category_rows(fig: go.Figure) -> go.Figure:
    """Bars named by ids or names stay one row each: numeric-looking names ("85123",
    category ids) would otherwise be placed on a numeric axis."""
    fig.update_yaxes(type="category")
    return fig
