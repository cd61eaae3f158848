"""The shared look of SeqRec Studio's plotly figures, and helpers every figure module uses.

Figure functions are pure (a small frame in, a titled and axis-labelled Figure out) and
live in one module per concern beside this one (`dataset_profile`, `training`, `explanation`,
...; see the package docstring). This module holds what they share: the event-type colours,
item display names (`item_labels`: catalog titles, never raw ids where a title exists),
ranked bar charts, and `style`, which gives every chart its title and axis titles.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import plotly.graph_objects as go

# A fixed colour per canonical event type, so every chart shows "purchase" alike.
EVENT_COLORS = {
    "view": "#4C78A8",
    "click": "#72B7B2",
    "fav": "#B279A2",
    "cart": "#F58518",
    "remove_from_cart": "#9D755D",
    "purchase": "#54A24B",
    "other": "#BAB0AC",
}
_EXTRA_COLORS = ("#E45756", "#EECA3B", "#FF9DA6", "#79706E", "#D67195", "#A0CBE8")
BAR_COLOR = "#4C78A8"
SECOND_COLOR = "#F58518"
_MAX_LABEL = 40


def item_labels(item_ids: pd.Series, titles: pd.Series | None = None) -> pd.Series:
    """Display names for items: the catalog title (shortened), else the id.

    A title shared by several items gets its id appended, so bars never merge.
    """
    ids = [str(i) for i in item_ids]
    if titles is None:
        return pd.Series(ids, dtype=object)
    names: list[str | None] = []
    for title in titles:
        text = None if title is None or pd.isna(title) else str(title).strip()
        if text and len(text) > _MAX_LABEL:
            text = text[: _MAX_LABEL - 1] + "…"
        names.append(text or None)
    counts = Counter(n for n in names if n is not None)
    labels = [
        i if n is None else (f"{n} ({i})" if counts[n] > 1 else n)
        for i, n in zip(ids, names, strict=True)
    ]
    return pd.Series(labels, dtype=object)


def event_color(event_type: str, index: int = 0) -> str:
    """The app-wide colour of an event type (unknown words cycle through extra colours)."""
    return EVENT_COLORS.get(event_type, _EXTRA_COLORS[index % len(_EXTRA_COLORS)])


def ranked_bars(
    labels: pd.Series,
    frame: pd.DataFrame,
    *,
    title: str,
    y_title: str,
    hover_ids: pd.Series | None = None,
    empty_note: str = "Nothing to show",
) -> go.Figure:
    """Horizontal bars of `events` per label, largest on top, with users in the hover.

    Args:
        labels: one display name per row of `frame` (names, never raw ids).
        frame: `events` and `users` columns.
        hover_ids: ids shown in the hover under the name (items).
    """
    extra = "" if hover_ids is None else "<br>id %{customdata[1]}"
    custom = pd.DataFrame(
        {"users": frame["users"], "id": hover_ids if hover_ids is not None else ""}
    )
    fig = go.Figure(
        go.Bar(
            y=list(labels),
            x=frame["events"],
            orientation="h",
            marker_color=BAR_COLOR,
            customdata=custom,
            hovertemplate=(
                f"%{{y}}<br>%{{x:,}} events<br>%{{customdata[0]:,}} users{extra}<extra></extra>"
            ),
        )
    )
    fig = style(
        fig, title=title, x_title="Events", y_title=y_title, empty=frame.empty, note=empty_note
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=max(320, 60 + 24 * len(frame)))
    count_axis(fig, "x", frame["events"].max() if not frame.empty else 0)
    return fig


def count_axis(fig: go.Figure, axis: str, largest: float) -> None:
    """Counts are whole numbers: no 0.5 ticks on small axes."""
    if 0 < largest < 10:
        fig.update_xaxes(dtick=1) if axis == "x" else fig.update_yaxes(dtick=1)


def style(
    fig: go.Figure,
    *,
    title: str,
    x_title: str,
    y_title: str,
    empty: bool = False,
    note: str = "No events to show",
    legend_title: str | None = None,
) -> go.Figure:
    """Apply the shared look: title, axis titles, compact margins, legend on top."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        legend_title_text=legend_title,
        hoverlabel={"namelength": -1},
    )
    if empty:
        fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
        fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
        fig.add_annotation(
            text=note,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"size": 14},
        )
    return fig
