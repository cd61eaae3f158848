"""The workspace registry: naming rules, lookups, sharing between processes and threads,
and the removal of what interrupted ingests leave behind."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from seqrec_core import duckdb_settings, store
from seqrec_core.errors import WorkspaceError
from seqrec_core.ingest.leftovers import STALE_SECONDS
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.raw_files import safe_filename, sha256_path
from seqrec_core.store import Workspace, validate_name


def _log(path: Path, user: str) -> Path:
    path.write_text(f"user_id,item_id,timestamp\n{user},i1,2024-01-01\n{user},i2,2024-01-02\n")
    return path


@pytest.mark.parametrize("name", ["shop", "shop-2024_v1.2", "A"])
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "x" * 65, "white space", "é"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(WorkspaceError, match="invalid dataset name"):
        validate_name(name)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\log.csv", "log.csv"),
        ("..", "upload"),
        ("my log (1).csv", "my_log_1_.csv"),
    ],
)
def test_safe_filename_strips_folders_and_odd_characters(given: str, expected: str) -> None:
    assert safe_filename(given) == expected


def test_open_is_idempotent_and_lists_newest_first(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    ingest(_log(tmp_path / "a.csv", "u1"), ws, "older")
    ingest(_log(tmp_path / "b.csv", "u2"), ws, "newer")
    again = Workspace.open(tmp_path / "ws")
    assert [d.name for d in again.list_datasets()] == ["newer", "older"]
    info = again.get_dataset("older")
    assert (info.rows_accepted, info.users, info.items) == (2, 1, 2)
    assert info.report.column_mapping == {
        "user_id": "user_id",
        "item_id": "item_id",
        "timestamp": "timestamp",
    }
    with pytest.raises(WorkspaceError, match=r"no dataset named 'nope'.*newer, older"):
        again.get_dataset("nope")


def test_replace_swaps_the_dataset_and_removes_the_old_files(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    old = ingest(_log(tmp_path / "a.csv", "u1"), ws, "shop").dataset
    new = ingest(_log(tmp_path / "b.csv", "u2"), ws, "shop", replace=True).dataset
    assert ws.read_events("shop").user_id.unique().tolist() == ["u2"]
    assert not old.folder.exists() and new.folder.exists()


def test_folder_hash_covers_names_and_contents(tmp_path: Path) -> None:
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(b"1")
    first = sha256_path(folder)
    (folder / "a.parquet").rename(folder / "b.parquet")
    assert sha256_path(folder) != first


def test_two_processes_ingest_into_one_workspace(tmp_path: Path) -> None:
    """The app and a CLI worker share the registry file; neither may fail on its lock."""
    root = tmp_path / "ws"
    Workspace.open(root)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seqrec_core",
                "ingest",
                str(_log(tmp_path / f"{i}.csv", f"u{i}")),
                "--workspace",
                str(root),
                "--name",
                f"d{i}",
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for i in range(3)
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert sorted(d.name for d in Workspace.open(root).list_datasets()) == ["d0", "d1", "d2"]


def test_a_name_with_a_trailing_newline_is_invalid() -> None:
    """Regression: `$` matched before a final newline, so "trail\\n" was a valid name."""
    with pytest.raises(WorkspaceError, match="invalid dataset name"):
        validate_name("trail\n")


def test_two_ingests_racing_for_one_name_publish_exactly_one(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: both ingests passed the existence check before either wrote its row, and
    both reported success; the first dataset was silently replaced without replace=True."""
    both_checked = threading.Barrier(2, timeout=60)
    publish = store._fsync_tree

    def after_the_other_has_checked(folder: Path) -> None:
        both_checked.wait()  # each ingest is past any check made before its files are synced
        publish(folder)

    monkeypatch.setattr(store, "_fsync_tree", after_the_other_has_checked)
    logs = [_log(tmp_path / f"{user}.csv", user) for user in ("u1", "u2")]
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(ingest, log, ws, "shop") for log in logs]
    outcomes = [future.exception() for future in futures]
    assert sorted(type(error).__name__ for error in outcomes) == ["NoneType", "WorkspaceError"]
    loser = next(error for error in outcomes if error is not None)
    assert "name is taken" in str(loser)
    winner = futures[outcomes.index(None)].result().dataset
    assert ws.get_dataset("shop").folder == winner.folder
    assert [p.name for p in (ws.root / "datasets").iterdir()] == [winner.folder.name]


def _age(path: Path, seconds: float) -> Path:
    past = time.time() - seconds
    for inner in [path, *path.rglob("*")]:
        os.utime(inner, (past, past))
    return path


def test_interrupted_ingests_leftovers_are_removed_when_stale(tmp_path: Path) -> None:
    """Regression: a killed ingest left its `.staging-*` folder (and a `.partial` archive
    copy) in the workspace forever."""
    ws = Workspace.open(tmp_path / "ws")
    abandoned = ws.new_staging_folder()
    (abandoned / "events.parquet").write_bytes(b"half")
    _age(abandoned, 2 * STALE_SECONDS)
    partial = ws.root / "uploads" / "ab12" / ".log.csv.partial"
    partial.parent.mkdir()
    _age(Path(shutil.copyfile(_log(tmp_path / "a.csv", "u1"), partial)), 2 * STALE_SECONDS)
    running = ws.new_staging_folder()  # an ingest still writing: recent files
    (running / "events.parquet").write_bytes(b"being written")
    _age(running, 2 * STALE_SECONDS)
    (running / "items.parquet").write_bytes(b"just now")
    Workspace.open(ws.root)
    assert not abandoned.exists() and not partial.exists()
    assert running.exists() and partial.parent.exists()


def test_a_failed_ingest_also_removes_stale_leftovers(ws: Workspace) -> None:
    abandoned = _age(ws.new_staging_folder(), 2 * STALE_SECONDS)
    failed = ws.new_staging_folder()
    ws.discard_staging(failed)
    assert not abandoned.exists() and not failed.exists()


def _busy_tabs(root: str, worker: int, tabs: int, rounds: int) -> list[str]:
    """One app process: `tabs` threads that each read and write the registry `rounds` times;
    returns the errors they met."""
    workspace = Workspace(Path(root))

    def tab(number: int) -> None:
        for n in range(rounds):
            with workspace.connect() as con:
                con.execute(
                    "INSERT INTO uploads VALUES (?, 'log.csv', 1, 'uploads/x', now())",
                    [f"{worker}-{number}-{n}"],
                )
            workspace.list_datasets()

    with ThreadPoolExecutor(tabs) as pool:
        futures = [pool.submit(tab, number) for number in range(tabs)]
    return [repr(f.exception()) for f in futures if f.exception() is not None]


def test_processes_and_tabs_share_the_registry_without_errors(tmp_path: Path) -> None:
    """Regression: with 8 browser tabs, connect failed with DuckDB's `ResourceInUseException:
    Unique file handle conflict ... already attached`; it retried lock errors only."""
    root = Workspace.open(tmp_path / "ws").root
    workers, tabs, rounds = 3, 4, 6
    spawn = multiprocessing.get_context("spawn")  # no fork of a process that used DuckDB
    with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
        results = list(
            pool.map(_busy_tabs, [str(root)] * workers, range(workers), [tabs] * 3, [rounds] * 3)
        )
    assert results == [[]] * workers
    with Workspace(root).connect() as con:
        assert con.execute("SELECT count(*) FROM uploads").fetchone() == (workers * tabs * rounds,)


def test_duckdb_works_within_the_memory_budget_and_spills_outside_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(duckdb_settings.MEMORY_BUDGET_ENV, "300")
    con = duckdb_settings.scratch_connection()
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit == "120.0 MiB"  # 40% of 300 MiB
    spill = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    assert (
        Path(spill) == duckdb_settings.duckdb_spill_folder() and Path(spill) != Path.cwd() / ".tmp"
    )
    # A sort far larger than DuckDB's share of the budget completes by spilling to disk.
    rows = con.execute(
        "SELECT count(*), min(k), max(k) FROM (SELECT md5(i::VARCHAR) || repeat('x', 40) AS k "
        "FROM range(3000000) t(i) ORDER BY k)"
    ).fetchone()
    assert rows[0] == 3_000_000
    monkeypatch.setenv(duckdb_settings.MEMORY_BUDGET_ENV, "not a number")
    assert duckdb_settings.memory_budget_mb() == duckdb_settings.DEFAULT_MEMORY_BUDGET_MB
    monkeypatch.setenv(duckdb_settings.MEMORY_BUDGET_ENV, "10")
    assert duckdb_settings.memory_budget_mb() == 256  # the floor
