"""The Train page's table of runs: column order, labels, plain-language help, widths, formats.

The table (`seqrec_core.runs.run_table`) keeps numbers as numbers, so a column sorts by
value; this module only says how each column is shown: hit rates and coverage as
percentages, scores to three decimals, widths that fit the run ids and devices, and a "?"
per metric with what it means (`seqrec_core.runs.verdict.METRIC_HELP`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from seqrec_core.runs.verdict import METRIC_HELP, VALID_VS_TEST_HELP

# What a person reads first: which run, how it did, then how it was trained.
COLUMN_ORDER = (
    "run",
    "model",
    "status",
    "progress",
    "HR@10",
    "NDCG@10",
    "MRR",
    "coverage@10",
    "popularity@10",
    "valid NDCG@10",
    "HR@20",
    "NDCG@20",
    "epochs",
    "best epoch",
    "stopped by",
    "minutes",
    "device",
    "split",
    "created",
    "error",
)
# Column → (label, width in pixels): wide enough for the label, so no header is cut off.
_METRIC_LABELS = {
    "HR@10": ("Test HR@10", 110),
    "NDCG@10": ("Test NDCG@10", 125),
    "MRR": ("Test MRR", 100),
    "coverage@10": ("Test coverage@10", 145),
    "popularity@10": ("Popularity@10", 125),
    "valid NDCG@10": ("Best valid NDCG@10", 165),
    "HR@20": ("Test HR@20", 110),
    "NDCG@20": ("Test NDCG@20", 125),
}
# Hit rates and coverage are shares (of shoppers, of products): percentages. Popularity is
# a mean count; the other scores run from 0 to 1 and show three decimals.
_FORMATS = {
    "HR@10": "percent",
    "HR@20": "percent",
    "coverage@10": "percent",
    "popularity@10": "localized",
}


def _metric_columns() -> dict[str, Any]:
    """Test metric columns: percentages or three-decimal scores, each with its help."""
    columns = {}
    for name, (label, width) in _METRIC_LABELS.items():
        words = METRIC_HELP[name]
        if name == "valid NDCG@10":
            words = f"{words}\n\n{VALID_VS_TEST_HELP}"
        columns[name] = st.column_config.NumberColumn(
            label, format=_FORMATS.get(name, "%.3f"), width=width, help=words
        )
    return columns


def _run_columns() -> dict[str, Any]:
    """Which run, its state and how it was trained."""
    text = st.column_config.TextColumn
    number = st.column_config.NumberColumn
    return {
        "run": text("Run", width="medium", pinned=True),
        "model": text("Model", width=85),
        "status": text("Status", width=100),
        "progress": st.column_config.ProgressColumn(
            "Progress",
            width=110,
            format="percent",
            min_value=0.0,
            max_value=1.0,
            help="How far an active run is, in epochs or in its time budget.",
        ),
        "epochs": number("Epochs", format="%d", width=85, help="Epochs run so far."),
        "best epoch": number(
            "Best epoch", format="%d", width=100, help="The epoch whose model is kept."
        ),
        "stopped by": text("Stopped by", width=105),
        "minutes": number("Minutes", format="%.1f", width=90),
        "device": text("Device", width="medium"),
        "split": text("Split", width=130),
        "created": st.column_config.DatetimeColumn(
            "Started", format="YYYY-MM-DD HH:mm", width="medium"
        ),
        "error": text("Error", width="large"),
    }


def _shown(table: pd.DataFrame, name: str) -> bool:
    """Whether column `name` is shown: it exists, and "progress" only while a run is active."""
    return name in table.columns and (name != "progress" or table[name].notna().any())


def show_run_table(table: pd.DataFrame) -> None:
    """`table` (`run_table`) as a sortable dataframe, readable without cut-off cells."""
    st.dataframe(
        table,
        hide_index=True,
        column_order=[name for name in COLUMN_ORDER if _shown(table, name)],
        column_config=_run_columns() | _metric_columns(),
    )
