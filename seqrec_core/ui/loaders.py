"""Cached loaders: the workspace handle, source previews, dataset profiles, rejected rows.

Each cached function uses only its arguments (paths as strings) and keeps a bounded number
of entries. A dataset's files live in a folder whose name changes whenever the dataset is
replaced, so a path is a safe cache key.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from seqrec_core.data.dataset_profile import DatasetProfile, profile_dataset
from seqrec_core.ingest import sample
from seqrec_core.ingest.pipeline import SourcePreview, preview_source
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.store import Workspace
from seqrec_core.ui import uploads

# One first-start sample ingest at a time per server process (sessions are threads).
_SAMPLE_LOCK = threading.Lock()


@st.cache_resource(max_entries=4, show_spinner=False)
def open_workspace(root: str) -> Workspace:
    """The workspace at `root` (created if missing); shared read-only across sessions.

    Opening it also deletes what interrupted ingests left: stale staging folders (see
    `Workspace.open`) and stale temp uploads.
    """
    uploads.remove_stale_uploads()
    return Workspace.open(root)


@st.cache_data(max_entries=8, show_spinner="Profiling the dataset…")
def load_profile(events_path: str, items_path: str | None) -> DatasetProfile:
    """The dataset profile (small frames) of one dataset's Parquet files."""
    return profile_dataset(Path(events_path), Path(items_path) if items_path else None)


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def load_preview(path: str, display_name: str) -> SourcePreview:
    """The first rows and the guessed column mapping of an uploaded file."""
    return preview_source(Path(path), display_name)


@st.cache_data(max_entries=4, show_spinner=False)
def load_rejected_csv(rejected_path: str) -> bytes:
    """All rejected rows of a dataset as UTF-8 CSV (line, reason, column, value, ...); the
    raw values are the user's own text, so formula-like cells are quoted (`csv_bytes`)."""
    return csv_bytes(pd.read_parquet(rejected_path))


def ensure_sample(workspace: Workspace) -> None:
    """Ingest the bundled sample shop unless present (serialised across sessions)."""
    with _SAMPLE_LOCK:
        sample.ensure_sample(workspace)
