"""Training figures and the run table: titles, axis labels, and the numbers they show."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from seqrec_core.figures.training import run_comparison_figure, training_curves_figure
from seqrec_core.runs.registry import RUNNING, SUCCEEDED, RunInfo
from seqrec_core.runs.run_table import live_progress, run_table

EVENTS = [
    {
        "kind": "step",
        "epoch": 0,
        "step": 50,
        "loss": 8.5,
        "examples_per_s": 900.0,
        "eta_s": 400.0,
        "elapsed_s": 7.0,
    },
    {
        "kind": "epoch",
        "epoch": 0,
        "step": 70,
        "loss": 8.1,
        "examples_per_s": 950.0,
        "eta_s": None,
        "elapsed_s": 11.0,
        "metrics": {"NDCG@10": 0.021, "HR@10": 0.04},
    },
    {
        "kind": "step",
        "epoch": 1,
        "step": 100,
        "loss": 7.2,
        "examples_per_s": 1000.0,
        "eta_s": 300.0,
        "elapsed_s": 15.0,
    },
    {
        "kind": "epoch",
        "epoch": 1,
        "step": 140,
        "loss": 7.0,
        "examples_per_s": 990.0,
        "eta_s": None,
        "elapsed_s": 22.0,
        "metrics": {"NDCG@10": 0.034, "HR@10": 0.061},
    },
]


def _info(status: str, **result: object) -> RunInfo:
    return RunInfo(
        run_id="sasrec-20261201-060000-ab12",
        dataset="shop",
        model="sasrec",
        status=status,
        created_at=datetime(2026, 12, 1, 6, 0),
        folder=Path("/nonexistent"),
        request={"split": "leave_one_out", "train_settings": {"epochs": 4}},
        device="CPU (x86_64, 2 threads)",
        result=dict(result),
    )


def test_training_curves_have_titles_axes_and_both_panels() -> None:
    fig = training_curves_figure(EVENTS, "Live: sasrec on shop")
    assert fig.layout.title.text == "Live: sasrec on shop"
    assert fig.layout.xaxis.title.text == "Optimizer step"
    assert fig.layout.yaxis.title.text == "Cross-entropy loss"
    assert fig.layout.xaxis2.title.text == "Epoch"
    names = [trace.name for trace in fig.data]
    assert names == [
        "loss (running mean in epoch)",
        "epoch mean loss",
        "validation NDCG@10",
        "validation HR@10",
    ]
    ndcg = next(t for t in fig.data if t.name == "validation NDCG@10")
    assert list(ndcg.x) == [1, 2] and list(ndcg.y) == [0.021, 0.034]  # epochs count from 1


def test_empty_progress_says_so() -> None:
    fig = training_curves_figure([])
    assert fig.data == () and "No progress yet" in fig.layout.annotations[-1].text


def test_run_table_and_comparison() -> None:
    done = _info(
        SUCCEEDED,
        epochs=4,
        best_epoch=2,
        seconds=90.0,
        stopped_by="epochs",
        metrics={"NDCG@10": 0.05},
        test_metrics={"HR@10": 0.09, "NDCG@10": 0.045},
    )
    table = run_table([done, _info(RUNNING)])
    assert table.loc[0, "best epoch"] == 3 and table.loc[0, "minutes"] == 1.5
    assert table.loc[0, "NDCG@10"] == 0.045 and table.loc[0, "label"] == "sasrec · ab12"
    assert pd.isna(table.loc[1, "HR@10"])
    fig = run_comparison_figure(table[table["status"] == SUCCEEDED])
    assert fig.layout.xaxis.title.text == "Run" and fig.layout.yaxis.title.text == "Metric value"
    assert [t.name for t in fig.data] == ["test HR@10", "test NDCG@10"]
    assert list(fig.data[1].y) == [0.045]


def test_live_progress_in_words() -> None:
    live = live_progress(_info(RUNNING), EVENTS)
    assert live.fraction == 0.5  # 2 of 4 epochs
    assert live.best_ndcg == 0.034
    assert "epoch 2" in live.text and "best validation NDCG@10 0.0340" in live.text
    assert live_progress(_info(RUNNING), []).fraction == 0.0
