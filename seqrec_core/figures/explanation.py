"""Figures of one explanation: the timeline, attribution bars, attention heatmaps, groups.

Pure functions: an explanation's frames in (`Explanation.positions()` joined with the
catalog by `labelled_events`), a titled, axis-labelled plotly Figure out. Events are
named "3. Lumora V150 Mirrorless Camera · cart" (position, catalog title, event type),
never by raw ids where a title exists. Faithfulness figures live in
`faithfulness`; the Explain page and the review report share both.

Legends sit at the bottom of the figure (`legend_below`), where a long title or a
narrow column never makes them overlap; hover values show three significant digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from seqrec_core.explain.options import METHOD_NAMES
from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, event_color, item_labels, style

PART_COLORS = {
    "item": BAR_COLOR,
    "text": "#B279A2",
    "features": "#72B7B2",
    "event_type": SECOND_COLOR,
}
PART_LABELS = {
    "item": "item",
    "text": "item text",
    "features": "catalog features",
    "event_type": "event type",
}
METHOD_COLORS = {
    "ig": BAR_COLOR,
    "occlusion": SECOND_COLOR,
    "attention": "#B279A2",
    "random": "#BAB0AC",
}
_NEGATIVE = "#E45756"
_TICK_LABEL = 30  # characters of an event label on a heatmap axis (the hover has all)


def legend_below(fig: go.Figure) -> go.Figure:
    """Put the legend in one row at the bottom of the figure, below the x-axis title.

    `style` puts it above the plot, where it runs into a long title; anchored to the
    container's bottom, plotly grows the bottom margin to fit it instead.
    """
    fig.update_layout(
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        }
    )
    return fig


def labelled_events(positions: pd.DataFrame, catalog: pd.DataFrame | None) -> pd.DataFrame:
    """`positions` plus `title`, `category`, `brand` (where known) and a unique `label`."""
    out = positions.copy()
    if catalog is not None and "item_id" in catalog.columns:
        info = catalog.drop_duplicates("item_id")
        info = info.set_index(info["item_id"].astype(str))
        for column in ("title", "category", "brand"):
            if column in info.columns:
                out[column] = info[column].reindex(out["item_id"].astype(str)).to_numpy()
    names = item_labels(out["item_id"], out["title"] if "title" in out.columns else None)
    out["label"] = [
        f"{i + 1}. {name} · {kind}"
        for i, name, kind in zip(out["index"], names, out["event_type"], strict=True)
    ]
    return out


def item_names(catalog: pd.DataFrame | None) -> dict[str, str]:
    """Item id → display name (the catalog title, shortened; ids where there is none)."""
    if catalog is None or "item_id" not in catalog.columns or "title" not in catalog.columns:
        return {}
    info = catalog.drop_duplicates("item_id")
    ids = info["item_id"].astype(str).reset_index(drop=True)
    labels = item_labels(ids, info["title"].reset_index(drop=True))
    return dict(zip(ids, labels, strict=True))


def timeline_figure(events: pd.DataFrame, *, title: str) -> go.Figure:
    """The events the model reads, oldest left, one lane per event type."""
    fig = go.Figure()
    for n, (kind, rows) in enumerate(events.groupby("event_type", sort=False)):
        fig.add_trace(
            go.Scatter(
                x=rows["index"] + 1,
                y=rows["event_type"],
                mode="markers",
                name=str(kind),
                marker={"size": 12, "color": event_color(str(kind), n)},
                customdata=np.stack(
                    [rows["label"], rows["timestamp"].astype(str), rows["item_id"]], axis=1
                ),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>id %{customdata[2]}"
                "<extra></extra>",
            )
        )
    fig = style(
        fig,
        title=title,
        x_title="Event (oldest → newest)",
        y_title="Event type",
        empty=events.empty,
        legend_title="Event type",
    )
    fig.update_layout(height=300)
    return legend_below(fig)


def _bar_height(rows: int) -> int:
    return max(320, 80 + 22 * rows)


def attribution_figure(
    events: pd.DataFrame, parts: Sequence[str], *, title: str, x_title: str
) -> go.Figure:
    """Signed attribution per event, stacked by embedding part (columns `ig_<part>`)."""
    fig = go.Figure()
    for part in parts:
        fig.add_trace(
            go.Bar(
                y=events["label"],
                x=events[f"ig_{part}"],
                orientation="h",
                name=PART_LABELS.get(part, part),
                marker_color=PART_COLORS.get(part, BAR_COLOR),
                hovertemplate="%{y}<br>%{x:.3g}<extra>" + PART_LABELS.get(part, part) + "</extra>",
            )
        )
    fig = style(fig, title=title, x_title=x_title, y_title="Past event", legend_title="Part")
    fig.update_layout(barmode="relative", height=_bar_height(len(events)))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return legend_below(fig)


def signed_bars_figure(events: pd.DataFrame, column: str, *, title: str, x_title: str) -> go.Figure:
    """One signed bar per event (occlusion, attention): positive blue, negative red."""
    values = events[column]
    fig = go.Figure(
        go.Bar(
            y=events["label"],
            x=values,
            orientation="h",
            marker_color=[BAR_COLOR if v >= 0 else _NEGATIVE for v in values],
            hovertemplate="%{y}<br>%{x:.3g}<extra></extra>",
        )
    )
    fig = style(fig, title=title, x_title=x_title, y_title="Past event")
    fig.update_layout(height=_bar_height(len(events)), showlegend=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def method_comparison_figure(
    events: pd.DataFrame, methods: Sequence[str], *, title: str
) -> go.Figure:
    """Every method's attribution per event, each scaled so its largest |value| is 1."""
    fig = go.Figure()
    for method in methods:
        values = events[method].astype(float)
        scale = float(np.abs(values).max()) or 1.0
        fig.add_trace(
            go.Bar(
                y=events["label"],
                x=values / scale,
                orientation="h",
                name=METHOD_NAMES.get(method, method),
                marker_color=METHOD_COLORS.get(method, BAR_COLOR),
                customdata=values,
                hovertemplate="%{y}<br>scaled %{x:.2f} (raw %{customdata:.3g})<extra></extra>",
            )
        )
    fig = style(
        fig,
        title=title,
        x_title="Attribution, scaled to each method's largest",
        y_title="Past event",
        legend_title="Method",
    )
    fig.update_layout(barmode="group", height=_bar_height(len(events) * max(1, len(methods)) // 2))
    fig.update_yaxes(autorange="reversed", automargin=True)
    return legend_below(fig)


def _tick_label(label: str) -> str:
    """An event label short enough for a heatmap axis ("12. Lumora V150 Mirrorl… · cart")."""
    if len(label) <= _TICK_LABEL:
        return label
    name, dot, kind = label.rpartition(" · ")
    if not dot:
        return label[: _TICK_LABEL - 1] + "…"
    room = max(4, _TICK_LABEL - len(kind) - 4)
    return f"{name[:room]}… · {kind}"


def attention_heatmap_figure(
    weights: np.ndarray, labels: Sequence[str], *, title: str
) -> go.Figure:
    """A (query × key) attention map; `labels` name the positions (events, then [MASK]).

    Cells are square (the y axis is scaled to the x axis) and the axes show shortened
    labels, so a long window stays a readable square instead of a squashed strip; the
    hover names both events in full.
    """
    full = list(labels)
    ticks = [_tick_label(label) for label in full]
    if len(set(ticks)) < len(ticks):  # shortening merged two labels: keep them whole
        ticks = full
    hover = np.array([[(query, key) for key in full] for query in full], dtype=object)
    fig = go.Figure(
        go.Heatmap(
            z=weights,
            x=ticks,
            y=ticks,
            colorscale="Blues",
            zmin=0,
            colorbar={"title": {"text": "Weight"}},
            customdata=hover if full else None,
            hovertemplate="query %{customdata[0]}<br>key %{customdata[1]}<br>weight %{z:.2f}"
            "<extra></extra>",
        )
    )
    fig = style(
        fig, title=title, x_title="Attended event (key)", y_title="Attending position (query)"
    )
    fig.update_yaxes(autorange="reversed", automargin=True, scaleanchor="x", constrain="domain")
    fig.update_xaxes(automargin=True, tickangle=-45, constrain="domain")
    fig.update_layout(height=heatmap_height(len(full)))
    return fig


def heatmap_height(positions: int) -> int:
    """Pixels for an attention map of `positions` rows: room for square cells of about
    16 px plus the axis labels, between 480 and 1,000."""
    return int(min(1000, max(480, 260 + 16 * positions)))


def group_figure(groups: pd.DataFrame, names: Mapping[str, str], *, title: str) -> go.Figure:
    """Score change when every event of a category or brand is removed (one bar each).

    Args:
        groups: `kind`, `group`, `events`, `attribution`, `rank`, `top_item`.
        names: item id → display name, for the first recommendation without the group.
    """
    frame = groups.sort_values("attribution", ascending=False)
    labels = [
        f"{k}: {g} ({n} events)"
        for k, g, n in zip(frame["kind"], frame["group"], frame["events"], strict=True)
    ]
    tops = [names.get(str(t), str(t)) for t in frame["top_item"]]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=frame["attribution"],
            orientation="h",
            marker_color=[BAR_COLOR if v >= 0 else _NEGATIVE for v in frame["attribution"]],
            customdata=np.stack([frame["rank"], tops], axis=1) if len(frame) else None,
            hovertemplate="%{y}<br>score change %{x:.3g}<br>rank without: %{customdata[0]}"
            "<br>first recommendation without: %{customdata[1]}<extra></extra>",
        )
    )
    fig = style(
        fig,
        title=title,
        x_title="Score lost when the group's events are removed",
        y_title="Group",
        empty=frame.empty,
        note="No catalog categories or brands for these events",
    )
    fig.update_layout(height=_bar_height(len(frame)), showlegend=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig
