"""Explanation figures are titled, axis-labelled and name items by catalog title."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from seqrec_core.explain.faithfulness import DeletionCurves
from seqrec_core.figures import explanation as fx
from seqrec_core.figures import faithfulness as ff
from seqrec_core.ui.explain_sections import Figures

CATALOG = pd.DataFrame(
    {"item_id": ["a", "b", "c"], "title": ["Tent", "Stove", "Tent"], "category": ["O > C"] * 3}
)
POSITIONS = pd.DataFrame(
    {
        "index": [0, 1, 2],
        "item_id": ["a", "b", "c"],
        "event_type": ["view", "cart", "purchase"],
        "timestamp": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"], utc=True),
        "ig": [0.5, -0.2, 1.0],
        "ig_item": [0.4, -0.1, 0.7],
        "ig_event_type": [0.1, -0.1, 0.3],
        "occlusion": [0.3, 0.0, 0.9],
        "attention": [0.2, 0.3, 0.5],
        "attention_rollout": [0.1, 0.2, 0.7],
    }
)


def _titled(fig: go.Figure) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_events_are_named_by_title_position_and_type() -> None:
    events = fx.labelled_events(POSITIONS, CATALOG)
    assert list(events["label"]) == [
        "1. Tent (a) · view",
        "2. Stove · cart",
        "3. Tent (c) · purchase",
    ]
    assert fx.item_names(CATALOG) == {"a": "Tent (a)", "b": "Stove", "c": "Tent (c)"}
    assert list(fx.labelled_events(POSITIONS, None)["label"])[1] == "2. b · cart"


def test_every_figure_is_titled_and_labelled() -> None:
    events = fx.labelled_events(POSITIONS, CATALOG)
    groups = pd.DataFrame(
        {
            "kind": ["brand"],
            "group": ["X"],
            "events": [2],
            "attribution": [0.4],
            "rank": [3],
            "top_item": ["b"],
        }
    )
    curves = DeletionCurves(
        {"ig": np.array([3.0, 2.0, 1.0, 0.5])},
        {"ig": np.array([1, 2, 4, 9])},
        np.array([[3.0, 2.8, 1.5, 0.5], [3.0, 2.5, 2.0, 0.5]]),
        np.array([[1, 1, 3, 9], [1, 2, 2, 9]]),
    )
    figures = [
        fx.timeline_figure(events, title="t"),
        fx.attribution_figure(events, ["item", "event_type"], title="t", x_title="x"),
        fx.signed_bars_figure(events, "occlusion", title="t", x_title="x"),
        fx.method_comparison_figure(events, ["ig", "occlusion", "attention"], title="t"),
        fx.attention_heatmap_figure(np.eye(3), list(events["label"]), title="t"),
        fx.group_figure(groups, {"b": "Stove"}, title="t"),
        ff.deletion_curve_figure(curves.frame(), target="Tent"),
        ff.deletion_curve_figure(curves.frame(), target="Tent", measure="rank"),
        ff.comprehensiveness_figure(curves.comprehensiveness(), target="Tent"),
        ff.agreement_figure(
            pd.DataFrame(np.eye(2), index=["ig", "occlusion"], columns=["ig", "occlusion"])
        ),
        ff.audit_figure({"users": 3, "methods": {"ig": {"faithful_share": 1.0}, "random": {}}}),
    ]
    for fig in figures:
        _titled(fig)
    assert list(figures[1].data[0].y) == list(events["label"])
    assert figures[5].data[0].customdata[0][1] == "Stove"  # the new first item by title
    with_legends = [figures[i] for i in (0, 1, 3, 6, 7, 8, 10)]
    for fig in with_legends:  # below the plot, never in the title's band
        legend = fig.layout.legend
        assert (legend.yref, legend.y, legend.yanchor, legend.orientation) == (
            "container",
            0,
            "bottom",
            "h",
        )
    assert figures[6].layout.title.text != figures[7].layout.title.text  # score and rank


def test_the_attention_map_is_square_with_short_axis_labels() -> None:
    """Regression: the rollout heatmap was squashed into a strip by 40-character labels."""
    labels = [f"{i + 1}. Lumora V150 Mirrorless Camera Kit {i} · purchase" for i in range(50)]
    fig = fx.attention_heatmap_figure(np.eye(50), labels, title="t")
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells, whatever the width
    assert fig.layout.height == 1000
    ticks = list(fig.data[0].x)
    assert len(set(ticks)) == 50 and max(map(len, ticks)) <= 30
    assert ticks[11] == "12. Lumora V150 Mi… · purchase"
    assert tuple(fig.data[0].customdata[11][3]) == (labels[11], labels[3])  # hover: in full
    short = fx.attention_heatmap_figure(
        np.eye(3), ["1. Tent · view", "2. Stove · cart", "[MASK]"], title="t"
    )
    assert list(short.data[0].y) == ["1. Tent · view", "2. Stove · cart", "[MASK]"]
    assert short.layout.height == 480


def test_comprehensiveness_reads_the_deletion_curve() -> None:
    curves = DeletionCurves(
        {"ig": np.array([3.0, 2.0, 1.0, 0.5])},
        {"ig": np.array([1, 2, 4, 9])},
        np.array([[3.0, 2.8, 1.5, 0.5]]),
        np.array([[1, 1, 3, 9]]),
    )
    table = curves.comprehensiveness().set_index("method")
    assert table.loc["ig", "k=1"] == pytest.approx(1.0) and table.loc["ig", "k=5"] == pytest.approx(
        2.5
    )
    assert table.loc["random", "k=3"] == pytest.approx(2.5)
    assert curves.score_drop("ig") == pytest.approx((1.0 + 2.0 + 2.5) / 3)


def test_the_html_export_holds_every_figure_with_plotly_once() -> None:
    figs = Figures(file_stem="run-u1")
    for title in ("First", "Second"):
        figs.drawn[title.lower()] = go.Figure(layout={"title": {"text": title}})
    html = figs.html()
    assert html.startswith("<!DOCTYPE html>") and html.count("<section>") == 2
    assert "First" in html and "Second" in html
    one = go.Figure().to_html(include_plotlyjs=True)
    assert len(one) < len(html) < 1.2 * len(one)  # the library is embedded once
