"""Figures of item text: the map of the catalog as the language model reads it, and how a
run did on products by how often they were seen in training (new products first).

Pure functions: vectors and small frames in, a titled, axis-labelled plotly Figure out.
The map is a principal-component projection (numpy SVD) of the item text vectors: items
whose texts mean similar things sit close together. Points are named by title and id and
coloured by top-level category; ids are never plotted as numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, item_labels, style
from seqrec_core.schema import CATEGORY_SEPARATOR

NO_CATEGORY = "(no category)"
MAX_POINTS = 5000  # a larger catalog is drawn as an even sample of this many items
CATEGORY_COLORS = tuple(qualitative.T10) + tuple(qualitative.Pastel)
NO_CATEGORY_COLOR = "#BAB0AC"
NEW_PRODUCTS = "new products (never seen in training)"


def top_category(category: pd.Series) -> pd.Series:
    """The first level of each category path ("Home > Kitchen" → "Home"), or NO_CATEGORY."""
    text = category.astype("string").fillna("").str.split(CATEGORY_SEPARATOR).str[0].str.strip()
    return text.mask(text.eq(""), NO_CATEGORY).astype(object)


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal components of `vectors` (numpy SVD of the centred rows).

    Args:
        vectors: (N, D) rows.

    Returns:
        (coords, shares): (N, 2) coordinates and the share of the spread (variance) each
        axis holds. Missing components (N < 3 or D < 2) are zeros. Each axis is signed so
        that its largest loading is positive, so the map does not flip between runs.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    coords = np.zeros((len(vectors), 2))
    shares = np.zeros(2)
    if len(vectors) < 2:
        return coords, shares
    centred = vectors - vectors.mean(axis=0)  # (N, D)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)  # (K,), (K, D)
    total = float((singular**2).sum())
    for axis in range(min(2, len(singular))):
        direction = components[axis]
        direction = direction * np.sign(direction[np.argmax(np.abs(direction))] or 1.0)
        coords[:, axis] = centred @ direction
        shares[axis] = singular[axis] ** 2 / total if total > 0 else 0.0
    return coords, shares


def item_text_map_figure(
    items: pd.DataFrame, vectors: np.ndarray, *, title: str | None = None
) -> go.Figure:
    """The catalog on a 2-D map of its item text vectors, one colour per top-level category.

    Args:
        items: one row per vector: `item_id`, and `title` and `category` when known.
        vectors: (N, D) the items' text vectors; all-zero rows (no text) are left out.
        title: the figure title (default says how many products are shown).
    """
    items = items.reset_index(drop=True)
    keep = np.flatnonzero(np.linalg.norm(np.asarray(vectors), axis=1) > 0)
    sampled = len(keep) > MAX_POINTS
    if sampled:
        keep = keep[np.linspace(0, len(keep) - 1, MAX_POINTS).round().astype(int)]
    coords, shares = pca_2d(np.asarray(vectors)[keep])
    shown = items.iloc[keep].reset_index(drop=True)
    titles = shown.get("title")
    names = item_labels(shown["item_id"], titles)
    categories = top_category(shown.get("category", pd.Series([None] * len(shown))))
    counts = categories.value_counts()
    # Largest first, ties by name, "no category" last: the same colours on every run.
    order = sorted(counts.index, key=lambda c: (c == NO_CATEGORY, -counts[c], str(c)))
    colours = iter(CATEGORY_COLORS * (1 + len(order) // len(CATEGORY_COLORS)))
    fig = go.Figure()
    for category in order:
        rows = np.flatnonzero(categories.to_numpy() == category)
        fig.add_trace(
            go.Scatter(
                x=coords[rows, 0],
                y=coords[rows, 1],
                mode="markers",
                name=str(category),
                marker={
                    "size": 7,
                    "opacity": 0.8,
                    "color": NO_CATEGORY_COLOR if category == NO_CATEGORY else next(colours),
                },
                hovertext=names.iloc[rows].tolist(),
                customdata=shown["item_id"].astype(str).iloc[rows].tolist(),
                hovertemplate="%{hovertext}<br>id %{customdata}<extra>%{fullData.name}</extra>",
            )
        )
    count = f"{len(keep):,} products" + (" (an even sample)" if sampled else "")
    fig = style(
        fig,
        title=title or f"The catalog as the language model reads it: {count}",
        x_title=f"Main direction of difference ({shares[0]:.0%} of the spread)",
        y_title=f"Second direction ({shares[1]:.0%} of the spread)",
        empty=len(keep) == 0,
        note="No product has a text to place on the map",
        legend_title="Top-level category",
    )
    fig.update_xaxes(showticklabels=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, zeroline=False)
    # Many categories: a legend down the right side, clear of the title.
    fig.update_layout(
        height=520,
        legend={"orientation": "v", "y": 1.0, "yanchor": "top", "x": 1.02, "xanchor": "left"},
    )
    return fig


def _bucket_low(bucket: str) -> int:
    return int(bucket.split("-")[0].rstrip("+"))


def seen_bucket_label(bucket: str) -> str:
    """A training-count bucket in words: "0" → new products, "5-19" → "5–19 times", …"""
    if bucket == "0":
        return NEW_PRODUCTS
    if bucket.endswith("+"):
        return f"{int(bucket[:-1]):,} times or more"
    low, _, high = bucket.partition("-")
    if not high or low == high:
        return "once" if low == "1" else f"{int(low):,} times"
    return f"{int(low):,}–{int(high):,} times"


def seen_count_rows(by_target_count: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """A run's test metrics by how often the target was seen in training, rarest first.

    Columns: `seen in training` (words), `bucket`, `test shoppers`, `HR@10`, `NDCG@10`.
    """
    buckets = sorted(by_target_count, key=_bucket_low)
    return pd.DataFrame(
        {
            "seen in training": [seen_bucket_label(b) for b in buckets],
            "bucket": buckets,
            "test shoppers": [int(by_target_count[b].get("examples", 0)) for b in buckets],
            "HR@10": [by_target_count[b].get("HR@10") for b in buckets],
            "NDCG@10": [by_target_count[b].get("NDCG@10") for b in buckets],
        },
        columns=["seen in training", "bucket", "test shoppers", "HR@10", "NDCG@10"],
    )


def seen_in_training_figure(
    by_target_count: Mapping[str, Mapping[str, float]], title: str | None = None
) -> go.Figure:
    """Bars of test HR@10 per training-count bucket of the target; new products highlighted."""
    rows = seen_count_rows(by_target_count)
    fig = go.Figure(
        go.Bar(
            x=rows["seen in training"],
            y=rows["HR@10"],
            marker_color=[SECOND_COLOR if b == "0" else BAR_COLOR for b in rows["bucket"]],
            customdata=np.stack([rows["test shoppers"], rows["NDCG@10"]], axis=1)
            if not rows.empty
            else None,
            hovertemplate=(
                "%{x}<br>found in the top 10 for %{y:.1%} of shoppers"
                "<br>%{customdata[0]:,} test shoppers · NDCG@10 %{customdata[1]:.3f}<extra></extra>"
            ),
        )
    )
    fig = style(
        fig,
        title=title or "Next product in the top 10, by how often it was seen in training",
        x_title="Times the next product was seen in training",
        y_title="Found in the top 10 (HR@10)",
        empty=rows.empty,
        note="No test shoppers to break down",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return fig
