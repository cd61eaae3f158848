"""figures.shoppers: the customer map (a trace per category, or a colour scale), the
segment heatmap and the audience bars: titles, axis titles, names not numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seqrec_core.figures.shoppers import audience_mix_figure, segment_mix_figure, shopper_map_figure

# 9 shoppers; numeric-looking ids must stay names in the hover.
POINTS = pd.DataFrame(
    {
        "user_id": [f"{100 + i}" for i in range(9)],
        "x": np.linspace(-1, 1, 9),
        "y": np.linspace(1, -1, 9),
        "taste": ["Outdoor, Toys · Acme"] * 4 + ["Home · Acme"] * 4 + [""],
        "events": np.arange(1, 10),
        "main_category": ["Outdoor"] * 4 + ["Home"] * 3 + [None, None],
        "spend": np.arange(9) * 10.0,
    }
)


def test_the_map_draws_one_named_trace_per_category_largest_first() -> None:
    fig = shopper_map_figure(
        POINTS,
        colour="main_category",
        colour_label="Main category",
        total=9,
        explained=(0.31, 0.12),
    )
    assert [t.name for t in fig.data] == ["Outdoor", "Home", "(none)"]
    assert sum(len(t.x) for t in fig.data) == 9
    assert fig.layout.title.text == "Map of 9 shoppers: nearby dots shop alike"
    assert fig.layout.xaxis.title.text == "Taste direction 1 (31% of the differences)"
    assert fig.layout.yaxis.title.text == "Taste direction 2 (12% of the differences)"
    assert list(fig.data[0].customdata[:, 0]) == ["100", "101", "102", "103"]


def test_a_numeric_colour_is_one_trace_with_a_scale_and_a_sample_is_said() -> None:
    fig = shopper_map_figure(
        POINTS, colour="spend", colour_label="Spend", total=20_000, explained=(0.2, 0.1)
    )
    assert len(fig.data) == 1 and fig.data[0].marker.colorbar.title.text == "Spend"
    assert fig.layout.title.text == "Map of 20,000 shoppers (a sample of 9): nearby dots shop alike"


def test_the_segment_heatmap_has_category_axes_and_names() -> None:
    mix = pd.DataFrame(
        [[0.7, 0.3], [0.1, 0.9]], index=["Segment 1 · Outdoor (12)", "Segment 2 (5)"],
        columns=["Outdoor", "2024"],
    )  # fmt: skip
    fig = segment_mix_figure(mix)
    assert fig.layout.xaxis.type == "category" and fig.layout.yaxis.type == "category"
    assert list(fig.data[0].x) == ["Outdoor", "2024"]
    assert fig.layout.title.text.startswith("What each segment shops")
    assert fig.layout.xaxis.title.text == "Category" and fig.layout.yaxis.title.text == "Segment"


def test_the_audience_bars_compare_with_the_shop_and_say_when_empty() -> None:
    mix = pd.DataFrame({"name": ["Outdoor", "Home"], "audience": [0.6, 0.4], "shop": [0.2, 0.8]})
    fig = audience_mix_figure(mix)
    assert [t.name for t in fig.data] == ["Audience", "All shoppers"]
    assert fig.layout.yaxis.title.text == "Category" and fig.layout.xaxis.tickformat == ".0%"
    empty = audience_mix_figure(mix.iloc[:0], what="brand")
    assert empty.layout.annotations[0].text == "No brand information in this catalog"
