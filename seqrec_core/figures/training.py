"""Figures of training: live loss and validation curves, and runs compared side by side.

Pure functions: progress events (as written to `progress.jsonl`) or a run table in, a
titled, axis-labelled plotly Figure out; the Train page and the review report share them.
A baseline (POP, COOC) is counted in one pass and has no curve: its figure says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqrec_core.figures.style import BAR_COLOR, SECOND_COLOR, style

VALID_CURVES = ("NDCG@10", "HR@10")
NO_PROGRESS_NOTE = "No progress yet: the first numbers appear after a few steps"
BASELINE_NOTE = (
    "A baseline is counted in one pass over the training events: it has no training curve"
)


def counted_in_one_pass(events: Sequence[dict[str, Any]]) -> bool:
    """Whether `events` are a baseline's: a final "done" event and no steps or epochs."""
    kinds = {event["kind"] for event in events}
    return "done" in kinds and not kinds & {"step", "epoch"}


def progress_frames(events: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(loss per step, validation metrics per epoch) from progress events."""
    steps = pd.DataFrame(
        [
            {"step": e["step"], "loss": e["loss"], "epoch": e["epoch"]}
            for e in events
            if e["kind"] == "step"
        ],
        columns=["step", "loss", "epoch"],
    )
    epochs = pd.DataFrame(
        [
            {
                "epoch": e["epoch"],
                "step": e["step"],
                "loss": e["loss"],
                "elapsed_s": e["elapsed_s"],
                **(e.get("metrics") or {}),
            }
            for e in events
            if e["kind"] == "epoch"
        ]
    )
    return steps, epochs


def _epoch_step(epochs: pd.DataFrame) -> int:
    """Epochs between two ticks of the validation axis: about 10 ticks at most."""
    return max(1, -(-len(epochs) // 10))


def training_curves_figure(
    events: Sequence[dict[str, Any]], title: str = "Training progress"
) -> go.Figure:
    """Training loss (per logged step and per epoch) beside validation NDCG@10 and HR@10."""
    steps, epochs = progress_frames(events)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Training loss (lower is better)", "Validation (higher is better)"),
        horizontal_spacing=0.12,
    )
    if not steps.empty:
        fig.add_trace(
            go.Scatter(
                x=steps["step"],
                y=steps["loss"],
                mode="lines",
                name="loss (running mean in epoch)",
                line={"color": BAR_COLOR, "width": 1},
            ),
            row=1,
            col=1,
        )
    if not epochs.empty:
        fig.add_trace(
            go.Scatter(
                x=epochs["step"],
                y=epochs["loss"],
                mode="markers+lines",
                name="epoch mean loss",
                marker={"color": SECOND_COLOR},
            ),
            row=1,
            col=1,
        )
        for metric, dash in zip(VALID_CURVES, ("solid", "dot"), strict=True):
            if metric in epochs:
                fig.add_trace(
                    go.Scatter(
                        x=epochs["epoch"] + 1,
                        y=epochs[metric],
                        mode="markers+lines",
                        name=f"validation {metric}",
                        line={"dash": dash},
                        customdata=epochs["elapsed_s"],
                        hovertemplate=f"epoch %{{x}}<br>{metric} %{{y:.4f}}<br>after %{{customdata:.0f}} s<extra></extra>",
                    ),
                    row=1,
                    col=2,
                )
    style(
        fig,
        title=title,
        x_title="",
        y_title="",
        empty=steps.empty and epochs.empty,
        note=BASELINE_NOTE if counted_in_one_pass(events) else NO_PROGRESS_NOTE,
    )
    fig.update_xaxes(title_text="Optimizer step", row=1, col=1)
    fig.update_yaxes(title_text="Cross-entropy loss", row=1, col=1)
    # Epochs are whole numbers: never "1.2, 1.4, ..." between two epochs.
    fig.update_xaxes(title_text="Epoch", tickformat="d", dtick=_epoch_step(epochs), row=1, col=2)
    fig.update_yaxes(title_text="Metric value", row=1, col=2)
    # Legend under the panels: above them it would cover the subplot titles.
    fig.update_layout(
        height=440,
        margin={"l": 10, "r": 10, "t": 60, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0, "xanchor": "left"},
    )
    return fig


def run_comparison_figure(
    table: pd.DataFrame, metrics: Sequence[str] = ("HR@10", "NDCG@10")
) -> go.Figure:
    """Grouped bars: each finished run's test metrics (`run`, `model` and metric columns)."""
    shown = (
        table.dropna(subset=[m for m in metrics if m in table], how="all")
        if not table.empty
        else table
    )
    fig = go.Figure()
    for metric, color in zip(metrics, (BAR_COLOR, SECOND_COLOR), strict=False):
        if metric not in shown:
            continue
        fig.add_trace(
            go.Bar(
                x=shown["label"] if "label" in shown else shown["run"],
                y=shown[metric],
                name=f"test {metric}",
                marker_color=color,
                hovertemplate=f"%{{x}}<br>test {metric} %{{y:.4f}}<extra></extra>",
            )
        )
    style(
        fig,
        title="Test metrics of the finished runs (same split, full ranking)",
        x_title="Run",
        y_title="Metric value",
        empty=shown.empty,
        note="No finished run yet",
        legend_title="Metric",
    )
    fig.update_layout(barmode="group", height=360)
    return fig
