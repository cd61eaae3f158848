"""Training figures and the run table: titles, axis labels, and the numbers they show."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from seqrec_core.figures.training import (
    BASELINE_NOTE,
    NO_PROGRESS_NOTE,
    counted_in_one_pass,
    progress_frames,
    run_comparison_figure,
    training_curves_figure,
)
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
    assert fig.data == () and fig.layout.annotations[-1].text == NO_PROGRESS_NOTE
    assert "No progress yet" in NO_PROGRESS_NOTE


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
    assert live_progress(_info(RUNNING), []).epoch is None


def test_the_validation_axis_counts_whole_epochs() -> None:
    """Regression: two epochs drew ticks at 1, 1.2, 1.4, ... 2."""
    fig = training_curves_figure(EVENTS)
    assert fig.layout.xaxis2.dtick == 1 and fig.layout.xaxis2.tickformat == "d"
    many = [{**EVENTS[1], "epoch": e} for e in range(35)]
    assert training_curves_figure(many).layout.xaxis2.dtick == 4


def test_the_final_test_shows_the_shoppers_ranked_and_leaves_the_curves_alone() -> None:
    testing = {"kind": "test", "epoch": 1, "step": 0, "done": 300_000, "total": 1_200_000,
               "elapsed_s": 600.0}  # fmt: skip
    events = [*EVENTS, {**EVENTS[-1], "kind": "done"}, testing]
    live = live_progress(_info(RUNNING), events)
    assert live.fraction == 0.25 and live.epoch == 2 and live.best_ndcg == 0.034
    assert "testing the best model: 300,000 of 1,200,000 test shoppers ranked" in live.text
    steps, epochs = progress_frames(events)
    assert len(steps) == 2 and len(epochs) == 2  # the test adds no point to the curves


def test_an_active_run_reads_the_same_epoch_in_the_table_as_in_its_live_panel() -> None:
    """Regression: the run table said "queued" with no epochs for a run the live panel
    showed at epoch 2; both now come from the same `live_progress`."""
    running = _info(RUNNING, epochs=None)
    live = live_progress(running, EVENTS)
    (row,) = run_table([running], {running.run_id: live}).to_dict("records")
    assert live.epoch == 2 and "epoch 2" in live.text
    assert (row["status"], row["epochs"], row["progress"]) == (RUNNING, 2, 0.5)
    assert row["valid NDCG@10"] == 0.034 == live.best_ndcg
    done = _info(SUCCEEDED, epochs=4, metrics={"NDCG@10": 0.05})
    (row,) = run_table([done], {done.run_id: live}).to_dict("records")  # a finished run
    assert row["epochs"] == 4 and row["valid NDCG@10"] == 0.05 and pd.isna(row["progress"])


def test_a_baseline_has_no_epochs_in_the_table() -> None:
    pop = replace(
        _info(SUCCEEDED, epochs=1, best_epoch=0, stopped_by="fit", test_metrics={"HR@10": 0.1}),
        model="pop",
    )
    (row,) = run_table([pop]).to_dict("records")
    assert row["epochs"] is None and row["best epoch"] is None and row["HR@10"] == 0.1


def test_a_baseline_curve_says_there_is_none_instead_of_waiting() -> None:
    """Regression: a POP run's chart was empty and said "No progress yet"."""
    fitted = [{"kind": "done", "epoch": 0, "step": 0, "loss": float("nan"), "elapsed_s": 0.1}]
    assert counted_in_one_pass(fitted) and not counted_in_one_pass(EVENTS)
    assert not counted_in_one_pass([])
    fig = training_curves_figure(fitted)
    assert fig.data == () and fig.layout.annotations[-1].text == BASELINE_NOTE
    assert "no training curve" in BASELINE_NOTE
