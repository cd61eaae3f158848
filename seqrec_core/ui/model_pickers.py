"""The run picker of the model pages (kept in the URL) and the cached run loaders.

Session state holds the run id (a string); the loaded model and the run's shoppers (for
`shopper_picker`) live in `st.cache_resource` (read-only, shared across sessions, at most
two runs at a time).

Registry lookups that every rerun of a page makes (the datasets, a dataset's runs and
files) are shared too: `registry_stamp` changes whenever anybody writes the workspace's
registry, and keys those caches, so many sessions on one page read the registry once
between writes instead of queueing for it on every rerun.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from seqrec_core.models.names import MODEL_TITLES
from seqrec_core.runs import registry
from seqrec_core.store import DatasetInfo, Workspace
from seqrec_core.ui import navigation, state
from seqrec_core.ui.shopper_picker import Shoppers, shoppers_of_data

if TYPE_CHECKING:  # types only: the recommender imports torch, which the Profile page needn't
    from seqrec_core.recommend.recommender import RunRecommender

RegistryStamp = tuple[int | None, ...]
# A backstop: a write within the filesystem's timestamp tick that keeps the file's size
# would not change the stamp, and a dead worker is only marked failed when runs are read.
_REGISTRY_TTL_S = 10.0


@st.cache_resource(max_entries=2, show_spinner="Loading the model and its data…")
def load_engine(root: str, run_id: str) -> RunRecommender:
    """A run's model with its data and aligned catalog (treated as read-only)."""
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.runs.trained_run import load_run

    return RunRecommender.from_run(load_run(Workspace.open(root), run_id))


@st.cache_resource(max_entries=2, show_spinner=False)
def load_shoppers(root: str, run_id: str) -> Shoppers:
    """The shoppers of a run's data, most active first, for `shopper_picker.pick_shopper`."""
    return shoppers_of_data(load_engine(root, run_id).loaded.prepared.data)


def registry_stamp(workspace: Workspace) -> RegistryStamp:
    """What changes whenever the registry is written: its DuckDB file's and write-ahead
    log's modification time (ns) and size (None for a missing file). Reading leaves it."""
    stamp: list[int | None] = []
    for path in (workspace.db_path, workspace.db_path.with_name(workspace.db_path.name + ".wal")):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            stamp += [None, None]
        else:
            stamp += [info.st_mtime_ns, info.st_size]
    return tuple(stamp)


@st.cache_data(max_entries=64, ttl=_REGISTRY_TTL_S, show_spinner=False)
def _usable_runs(
    root: str, dataset: str, stamp: RegistryStamp
) -> list[tuple[str, str, str, float]]:
    """(run id, label, model, validation NDCG@10) of the dataset's finished runs that saved
    a model, newest first.

    `stamp` (`registry_stamp`) is only part of the key: a registry write starts afresh.
    """
    out = []
    for info in registry.list_runs(Workspace(Path(root)), dataset):
        if info.has_model and not info.active:
            test = info.result.get("test_metrics", {}).get("NDCG@10", float("nan"))
            valid = info.result.get("metrics", {}).get("NDCG@10", float("nan"))
            label = f"{info.run_id} · test NDCG@10 {test:.4f}"
            out.append((info.run_id, label, info.model, float(valid)))
    return out


def _runs(
    workspace: Workspace, dataset: str, models: tuple[str, ...] | None
) -> list[tuple[str, str, str, float]]:
    usable = _usable_runs(str(workspace.root), dataset, registry_stamp(workspace))
    return [run for run in usable if models is None or run[2] in models]


def _best(runs: list[tuple[str, str, str, float]]) -> str | None:
    """The run with the best validation NDCG@10 (the newest among equals; NaN last)."""
    scored = [(0 if math.isnan(ndcg) else 1, 0.0 if math.isnan(ndcg) else ndcg, -i, run_id)
              for i, (run_id, _, _, ndcg) in enumerate(runs)]  # fmt: skip
    return max(scored)[3] if scored else None


def best_run(
    workspace: Workspace, dataset: str, models: tuple[str, ...] | None = None
) -> str | None:
    """The dataset's best run (validation NDCG@10) among `models` (None: any), or None."""
    return _best(_runs(workspace, dataset, models))


@st.cache_data(max_entries=16, ttl=_REGISTRY_TTL_S, show_spinner=False)
def _datasets(root: str, stamp: RegistryStamp) -> list[DatasetInfo]:
    """The workspace's datasets (`stamp`: as in `_usable_runs`)."""
    return Workspace(Path(root)).list_datasets()


def list_datasets(workspace: Workspace) -> list[DatasetInfo]:
    """`Workspace.list_datasets`, read once between registry writes for every session (the
    sidebar asks on every rerun of every page)."""
    return _datasets(str(workspace.root), registry_stamp(workspace))


@st.cache_data(max_entries=64, ttl=_REGISTRY_TTL_S, show_spinner=False)
def _dataset_files(root: str, dataset: str, stamp: RegistryStamp) -> tuple[str, str | None]:
    """A dataset's events and catalog Parquet paths (`stamp`: as in `_usable_runs`)."""
    info = Workspace(Path(root)).get_dataset(dataset)
    return str(info.events_path), str(info.items_path) if info.items_path is not None else None


def dataset_files(workspace: Workspace, dataset: str) -> tuple[str, str | None]:
    """The events and catalog Parquet paths of a dataset, the keys of the dataset caches
    (a replaced dataset gets a new folder, hence new keys).

    Raises:
        WorkspaceError: there is no such dataset.
    """
    return _dataset_files(str(workspace.root), dataset, registry_stamp(workspace))


def pick_run(
    workspace: Workspace, dataset: str, models: tuple[str, ...] | None = None
) -> str | None:
    """A selectbox of the dataset's runs that saved a model (newest first), or None.

    Without a choice in the session, the link or this session's last visit of the dataset
    it shows the best run (validation NDCG@10), marked "best". `models` keeps only runs of
    those models.
    """
    usable = _runs(workspace, dataset, models)
    if not usable:
        kinds = "" if models is None else " of " + ", ".join(MODEL_TITLES[m] for m in models)
        st.info(
            f"No trained model{kinds} for this dataset yet: train one on the Train page.",
            icon=":material/model_training:",
        )
        navigation.link("train", "Train a model on this dataset", dataset=dataset)
        return None
    best = _best(usable)
    labels = {run_id: label + (" · best" if run_id == best else "") for run_id, label, *_ in usable}
    ids = list(labels)
    choice = state.initial_choice(state.RUN, ids, default=best)
    if choice is not None:
        st.session_state[state.RUN] = choice
    picked = st.selectbox("Model (training run)", ids, key=state.RUN, format_func=labels.get)
    state.mirror_in_url(state.RUN, picked)
    state.remember_choice(state.RUN, picked)
    return picked


def require_run(workspace: Workspace, dataset: str, models: tuple[str, ...] | None = None) -> str:
    """`pick_run`, stopping the page (after its hint) when no run has a model."""
    run_id = pick_run(workspace, dataset, models)
    if run_id is None:
        st.stop()
    return str(run_id)
