"""The run registry and run folders: states, their order of writing, reconciliation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.errors import WorkspaceError
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.runs import registry as runs
from seqrec_core.store import Workspace


@pytest.fixture
def shop(ws: Workspace, tmp_path: Path) -> Workspace:
    frame = pd.DataFrame(
        {"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"], "timestamp": ["2026-01-01"] * 3}
    )
    frame.to_csv(tmp_path / "log.csv", index=False)
    ingest(tmp_path / "log.csv", ws, "log")
    return ws


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_final_state_is_only_reported_together_with_its_result(shop: Workspace) -> None:
    """Regression: status.json said "succeeded" before the registry held the metrics, and
    a reader saw a finished run without a result."""
    info = runs.create_run(shop, "log", "pop", {"split": "leave_one_out"})
    runs.write_status(info.folder, runs.RUNNING, pid=os.getpid())  # a live worker: us
    runs.record_state(shop, info.run_id, runs.RUNNING)
    assert runs.get_run(shop, info.run_id).status == runs.RUNNING
    runs.write_status(info.folder, runs.SUCCEEDED)  # the worker's file is written first…
    assert runs.get_run(shop, info.run_id).status == runs.RUNNING  # …but not believed alone
    runs.record_state(shop, info.run_id, runs.SUCCEEDED, result={"epochs": 1})
    done = runs.get_run(shop, info.run_id)
    assert done.status == runs.SUCCEEDED and done.result == {"epochs": 1}


def test_a_worker_that_died_after_its_final_file_is_settled_from_it(shop: Workspace) -> None:
    info = runs.create_run(shop, "log", "pop", {"split": "leave_one_out"})
    runs.write_status(info.folder, runs.RUNNING, pid=_dead_pid())
    runs.write_status(info.folder, runs.FAILED, error="out of memory")
    settled = runs.get_run(shop, info.run_id)
    assert settled.status == runs.FAILED and settled.error == "out of memory"


def test_a_dead_worker_without_a_final_word_is_failed_and_a_cancelled_one_cancelled(
    shop: Workspace,
) -> None:
    killed = runs.create_run(shop, "log", "pop", {})
    runs.write_status(killed.folder, runs.RUNNING, pid=_dead_pid())
    assert runs.get_run(shop, killed.run_id).status == runs.FAILED
    assert "ended without reporting" in (runs.get_run(shop, killed.run_id).error or "")
    stopped = runs.create_run(shop, "log", "pop", {})
    runs.write_status(stopped.folder, runs.RUNNING, pid=_dead_pid())
    runs.request_cancel(stopped.folder)
    assert runs.get_run(shop, stopped.run_id).status == runs.CANCELLED


def test_names_are_checked_and_unknown_runs_named(shop: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="invalid run name"):
        runs.run_folder(shop, "../../etc")
    with pytest.raises(WorkspaceError, match="no run named 'nope'"):
        runs.get_run(shop, "nope")
    with pytest.raises(WorkspaceError, match="no dataset named 'other'"):
        runs.create_run(shop, "other", "pop", {})


def test_progress_file_tolerates_a_line_being_written(shop: Workspace) -> None:
    info = runs.create_run(shop, "log", "pop", {})
    runs.append_progress(info.folder, {"kind": "step", "step": 1})
    with (info.folder / "progress.jsonl").open("a") as handle:
        handle.write('{"kind": "ste')  # a writer caught mid-line
    assert runs.read_progress(info.folder) == [{"kind": "step", "step": 1}]
