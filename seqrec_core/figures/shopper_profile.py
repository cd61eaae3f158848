"""Figures of a user's KG-enriched profile (the Profile page and the review report).

Pure functions: the frames of a `seqrec_core.kg.shopper_profile.UserProfile` (or an
`ego_graph.EgoGraph`) in, a titled plotly Figure with axis titles out, named by category,
brand and item titles rather than ids. Empty frames give a labelled figure with a note.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, style

# A colour per node role of the ego graph (legend order).
NODE_COLORS = {
    "user": "#E45756",
    "history": "#54A24B",
    "item": "#A0CBE8",
    "category": "#F58518",
    "brand": "#B279A2",
    "price": "#EECA3B",
    "attribute": "#72B7B2",
}
NODE_NAMES = {
    "user": "This shopper",
    "history": "Items they touched",
    "item": "Nearby items",
    "category": "Categories",
    "brand": "Brands",
    "price": "Price bands",
    "attribute": "Attributes",
}
_NODE_SIZES = {"user": 22, "history": 13, "item": 9, "category": 15, "brand": 15}
_TOP = 12  # bars per affinity chart
NOTE_WIDTH = 70  # characters per line of the funnel's notes (a half-width chart)
_NOTE_OFFSET, _NOTE_LINE = 62, 15  # px: axis title above a note; one note line


def affinity_figure(
    labels: pd.Series,
    affinity: pd.Series,
    *,
    title: str,
    y_title: str,
    hover: pd.Series | None = None,
) -> go.Figure:
    """Horizontal bars of affinity shares, strongest on top (at most 12)."""
    frame = pd.DataFrame({"label": list(labels), "affinity": list(affinity)})
    frame["hover"] = list(hover) if hover is not None else frame["label"]
    frame = frame.sort_values("affinity", ascending=False, kind="stable").head(_TOP)
    fig = go.Figure(
        go.Bar(
            y=frame["label"].astype(str),
            x=frame["affinity"],
            orientation="h",
            marker_color=BAR_COLOR,
            text=[f"{a:.0%}" for a in frame["affinity"]],
            textposition="outside",
            cliponaxis=False,
            customdata=frame[["hover"]],
            hovertemplate="%{customdata[0]}<br>affinity %{x:.1%}<extra></extra>",
        )
    )
    fig = style(
        fig,
        title=title,
        x_title="Share of recency-weighted activity",
        y_title=y_title,
        empty=frame.empty,
        note="No metadata of this kind in the catalog",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=max(300, 80 + 26 * len(frame)))
    return fig


def category_affinity_figure(categories: pd.DataFrame, level: int | None = None) -> go.Figure:
    """Category affinities at one hierarchy level (default: the deepest the user has)."""
    if not categories.empty and level is None:
        level = int(categories["level"].max())
    part = categories[categories["level"] == level] if level is not None else categories
    what = "top-level categories" if level == 1 else "categories"
    return affinity_figure(
        part["label"],
        part["affinity"],
        title=f"Affinity: {what}",
        y_title="Category",
        hover=part["category"],
    )


def brand_affinity_figure(brands: pd.DataFrame) -> go.Figure:
    """Brand affinities, with each brand's top-level category in the hover."""
    hover = (
        brands["brand"].astype(str)
        + " ("
        + brands["category"].fillna("no category").astype(str)
        + ")"
    )
    return affinity_figure(
        brands["brand"], brands["affinity"], title="Affinity: brands", y_title="Brand", hover=hover
    )


def price_band_figure(bands: pd.DataFrame, *, within_category: bool = True) -> go.Figure:
    """Share of activity per price band: terciles within each item's category, or within
    the whole shop when the catalog has no categories (`within_category=False`)."""
    scope = "each item's category" if within_category else "the shop"
    fig = go.Figure(
        go.Bar(
            x=bands["band"].astype(str),
            y=bands["affinity"],
            marker_color=BAR_COLOR,
            text=[f"{a:.0%}" for a in bands["affinity"]],
            textposition="outside",
            customdata=bands[["events"]],
            hovertemplate="%{x} price band<br>%{y:.1%} of activity<br>%{customdata[0]} events<extra></extra>",
        )
    )
    fig = style(
        fig,
        title=f"Price band (within {scope})",
        x_title="Price band",
        y_title="Share of activity",
        empty=bands.empty,
        note="No prices in this dataset",
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig


def funnel_comparison_figure(funnel: pd.DataFrame) -> go.Figure:
    """The user's funnel conversion rates next to the shop average."""
    rates = funnel.reindex(columns=["user_rate", "shop_rate"]).apply(pd.to_numeric, errors="coerce")
    # A log of one event type (purchases only, as a shop's orders export) has no
    # conversion to compare: every rate is undefined, and no bar is drawn.
    empty = funnel.empty or bool(rates.isna().all().all())
    fig = go.Figure()
    bars = (("user_rate", "This shopper", BAR_COLOR), ("shop_rate", "Shop average", SECOND_COLOR))
    for column, name, color in () if empty else bars:
        values = rates[column]
        fig.add_trace(
            go.Bar(
                x=funnel["step"].astype(str),
                y=values,
                name=name,
                marker_color=color,
                text=["–" if pd.isna(v) else f"{v:.0%}" for v in values],
                textposition="outside",
                hovertemplate=f"%{{x}}<br>{name}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig = style(
        fig,
        title="Funnel: conversion vs the shop average",
        x_title="Funnel step",
        y_title="Conversion rate",
        empty=empty,
        note="No funnel: this log does not have views, carts and purchases to convert",
        legend_title="",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    notes = [str(n) for n in funnel.get("note", pd.Series(dtype=object)).dropna()]
    if notes:  # rates above 100% or on a handful of events, said under the chart
        # Wrapped for a half-width column, placed under the axis title in pixels, with the
        # bottom margin grown by its lines: a note that does not fit is clipped unread.
        lines = [line for n in notes for line in textwrap.wrap(n, NOTE_WIDTH)]
        fig.add_annotation(
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-_NOTE_OFFSET,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": 11},
        )
        fig.update_layout(margin={"b": _NOTE_OFFSET + 10 + _NOTE_LINE * len(lines)})
    return fig


def rhythm_figure(frame: pd.DataFrame, *, by: str) -> go.Figure:
    """Share of events per hour of day (`by='hour'`) or weekday (`by='weekday'`), UTC,
    the user's bars against the shop's line."""
    x = frame[by].astype(str) if by == "weekday" else frame[by]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=frame["share"],
                name="This shopper",
                marker_color=BAR_COLOR,
                customdata=frame[["events"]],
                hovertemplate="%{x}: %{y:.1%} (%{customdata[0]} events)<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=frame["shop_share"],
                name="Shop average",
                mode="lines+markers",
                line={"color": SECOND_COLOR},
                hovertemplate="%{x}: %{y:.1%} of shop events<extra></extra>",
            ),
        ]
    )
    word = "Hour of day (UTC)" if by == "hour" else "Weekday"
    fig = style(
        fig,
        title=f"Activity by {'hour of day' if by == 'hour' else 'weekday'}",
        x_title=word,
        y_title="Share of events",
        empty=frame.empty or frame["events"].sum() == 0,
        legend_title="",
    )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    if by == "hour":
        fig.update_xaxes(dtick=3)
    return fig


def interests_figure(interests: pd.DataFrame) -> go.Figure:
    """Inferred interests by personalized PageRank score (columns `label, kind, score`)."""
    frame = interests.copy()
    frame["name"] = frame["label"].astype(str) + " (" + frame["kind"].astype(str) + ")"
    fig = go.Figure(
        go.Bar(
            y=frame["name"],
            x=frame["score"],
            orientation="h",
            marker_color=SECOND_COLOR,
            hovertemplate="%{y}<br>PageRank %{x:.4f}<extra></extra>",
        )
    )
    fig = style(
        fig,
        title="Inferred interests (not touched yet)",
        x_title="Personalized PageRank score",
        y_title="Interest",
        empty=frame.empty,
        note="Nothing nearby in the graph: the catalog has too little metadata",
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def ego_graph_figure(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str) -> go.Figure:
    """The user's neighbourhood as a network: node roles coloured, titles in the hover.

    Args:
        nodes: `node, role, label, hover, x, y` (from `ego_graph.ego_network`).
        edges: `source, target, kind`.
    """
    where = (
        nodes.set_index("node")[["x", "y"]] if not nodes.empty else pd.DataFrame(columns=["x", "y"])
    )
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in zip(edges["source"], edges["target"], strict=True):
        xs += [where.at[a, "x"], where.at[b, "x"], None]
        ys += [where.at[a, "y"], where.at[b, "y"], None]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": 0.6, "color": "#BAB0AC"},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for role, color in NODE_COLORS.items():
        part = nodes[nodes["role"] == role] if not nodes.empty else nodes
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["x"],
                y=part["y"],
                mode="markers+text" if role in ("user", "category", "brand") else "markers",
                name=NODE_NAMES[role],
                text=part["label"].astype(str).str.slice(0, 24),
                textposition="top center",
                marker={
                    "size": _NODE_SIZES.get(role, 9),
                    "color": color,
                    "line": {"width": 1, "color": "white"},
                },
                customdata=part[["hover"]],
                hovertemplate="%{customdata[0]}<extra></extra>",
            )
        )
    fig = style(
        fig, title=title, x_title="", y_title="", empty=nodes.empty, note="No neighbourhood to show"
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=560, legend_title_text="Node type")
    return fig
