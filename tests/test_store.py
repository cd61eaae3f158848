"""The workspace registry: naming rules, lookups, sharing between processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.errors import WorkspaceError
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
