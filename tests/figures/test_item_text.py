"""figures.item_text: the item text map (PCA, hover names, category colours) and the
results-by-training-count bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from seqrec_core.figures.item_text import (
    NEW_PRODUCTS,
    NO_CATEGORY,
    item_text_map_figure,
    pca_2d,
    seen_bucket_label,
    seen_count_rows,
    seen_in_training_figure,
    top_category,
)

# 11 items, 7 dims; item i05 has no text (zero row) and must not be drawn.
RNG = np.random.default_rng(7)
VECTORS = RNG.normal(size=(11, 7)).astype(np.float32)
VECTORS[5] = 0.0
ITEMS = pd.DataFrame(
    {
        "item_id": [f"i{i:02d}" for i in range(11)],
        "title": [f"Product {i}" for i in range(11)],
        "category": [
            "Outdoor > Camping > Tents",
            "Outdoor > Camping",
            "Home > Kitchen",
            "Home",
            None,
            "Outdoor",
            "Toys > Puzzles",
            "",
            "Home > Bath",
            "Outdoor > Hiking",
            "Toys",
        ],
    }
)


def test_map_is_titled_with_axis_titles() -> None:
    fig = item_text_map_figure(ITEMS, VECTORS)
    assert fig.layout.title.text == "The catalog as the language model reads it: 10 products"
    assert fig.layout.xaxis.title.text.startswith("Main direction of difference (")
    assert "% of the spread" in fig.layout.yaxis.title.text
    assert fig.layout.legend.title.text == "Top-level category"


def test_map_has_one_coloured_trace_per_top_level_category_largest_first() -> None:
    fig = item_text_map_figure(ITEMS, VECTORS)
    names = [trace.name for trace in fig.data]
    # 3, 3, 2 points, ties by name; "no category" (2 points) always last
    assert names == ["Home", "Outdoor", "Toys", NO_CATEGORY]
    colours = [trace.marker.color for trace in fig.data]
    assert len(set(colours)) == len(colours)
    assert sum(len(trace.x) for trace in fig.data) == 10


def test_map_hover_names_items_by_title_and_id_never_the_empty_item() -> None:
    fig = item_text_map_figure(ITEMS, VECTORS)
    hover = [name for trace in fig.data for name in trace.hovertext]
    ids = [item for trace in fig.data for item in trace.customdata]
    assert "Product 5" not in hover and "i05" not in ids
    outdoor = next(trace for trace in fig.data if trace.name == "Outdoor")
    assert list(outdoor.hovertext) == ["Product 0", "Product 1", "Product 9"]
    assert list(outdoor.customdata) == ["i00", "i01", "i09"]
    assert "%{hovertext}" in outdoor.hovertemplate and "%{customdata}" in outdoor.hovertemplate
    # ids are names in the hover, never plotted as numbers
    assert all(isinstance(x, float) for x in outdoor.x)


def test_map_without_titles_names_items_by_id_and_an_empty_map_says_so() -> None:
    fig = item_text_map_figure(ITEMS[["item_id"]], VECTORS)
    assert [t.name for t in fig.data] == [NO_CATEGORY]
    assert "i00" in fig.data[0].hovertext
    empty = item_text_map_figure(ITEMS, np.zeros_like(VECTORS))
    assert "No product has a text" in empty.layout.annotations[0].text


def test_top_category() -> None:
    got = top_category(pd.Series(["A > B > C", " A", None, "", "Kids & Toys > Lego"]))
    assert got.tolist() == ["A", "A", NO_CATEGORY, NO_CATEGORY, "Kids & Toys"]


def test_pca_on_points_along_a_line_puts_all_spread_on_the_first_axis() -> None:
    line = np.outer(np.arange(-3.0, 4.0), [1.0, 2.0, 2.0])  # 7 points on one line
    coords, shares = pca_2d(line)
    np.testing.assert_allclose(shares, [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(coords[:, 0], np.arange(-3.0, 4.0) * 3.0, atol=1e-9)
    np.testing.assert_allclose(coords[:, 1], 0.0, atol=1e-9)
    assert pca_2d(line[:1])[0].shape == (1, 2)  # one point: a map of one dot


BY_COUNT = {
    "100+": {"HR@10": 0.5, "NDCG@10": 0.3, "examples": 1000.0},
    "0": {"HR@10": 0.125, "NDCG@10": 0.05, "examples": 8.0},
    "5-19": {"HR@10": 0.25, "NDCG@10": 0.1, "examples": 40.0},
}


@pytest.mark.parametrize(
    ("bucket", "words"),
    [("0", NEW_PRODUCTS), ("1-4", "1–4 times"), ("100+", "100 times or more"), ("1", "once")],
)
def test_seen_bucket_label(bucket: str, words: str) -> None:
    assert seen_bucket_label(bucket) == words


def test_seen_rows_are_rarest_first_with_counts() -> None:
    rows = seen_count_rows(BY_COUNT)
    assert rows["bucket"].tolist() == ["0", "5-19", "100+"]
    assert rows["test shoppers"].tolist() == [8, 40, 1000]
    assert rows["seen in training"].iloc[0] == NEW_PRODUCTS


def test_seen_in_training_figure_highlights_new_products() -> None:
    fig = seen_in_training_figure(BY_COUNT)
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Times the next product was seen in training"
    assert fig.layout.yaxis.title.text == "Found in the top 10 (HR@10)"
    assert fig.layout.xaxis.type == "category"
    bars = fig.data[0]
    assert list(bars.x) == [NEW_PRODUCTS, "5–19 times", "100 times or more"]
    assert list(bars.y) == [0.125, 0.25, 0.5]
    assert bars.marker.color[0] != bars.marker.color[1]
    assert "No test shoppers" in seen_in_training_figure({}).layout.annotations[0].text
