"""Training runs: registry rows, run folders and the files a worker writes into them.

A run folder `workspace/runs/<run_id>/` holds::

    request.json     what was asked (dataset, model, settings), written once at creation
    status.json      the live state; replaced atomically by whoever changes it
    progress.jsonl   one JSON object per progress event, append-only
    worker.log       the worker process's stderr
    worker.pid       the worker's pid as recorded by the launcher
    answer.json      the worker's JSON answer (its stdout)
    item_text.json   the item text source and template the run read (text-aware models)
    best/            the best checkpoint so far (safetensors + JSON, see `checkpoint`)
    last/            the resumable training state after the latest epoch
    cancel           exists once a cancel was requested

The registry table `runs` (in the workspace's DuckDB file) lists every run with its final
state and metrics; it is written at state changes only, so the app and the worker seldom
contend for the file. While a run is queued or running, `status.json` plus the liveness
of its worker process are the truth: a worker that died without writing a final state
(killed, out of memory) is found by `get_run` and marked failed.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seqrec_core.errors import WorkspaceError
from seqrec_core.runs.liveness import process_alive
from seqrec_core.store import Workspace, validate_name

ITEM_TEXT_FILE = "item_text.json"
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
ACTIVE = (QUEUED, RUNNING)
FINAL = (SUCCEEDED, FAILED, CANCELLED)
PID_FILE = "worker.pid"
_LAUNCH_GRACE_S = 120.0  # a queued run without a worker pid after this long never started

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    device VARCHAR,
    request_json VARCHAR NOT NULL,
    result_json VARCHAR,
    error VARCHAR
)
"""


@dataclass(frozen=True)
class RunInfo:
    """One run as the registry and its folder describe it."""

    run_id: str
    dataset: str
    model: str
    status: str
    created_at: datetime
    folder: Path
    request: dict[str, Any]
    device: str | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] = field(default_factory=dict)  # metrics, test_metrics, epochs, ...
    error: str | None = None
    pid: int | None = None

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self.status in ACTIVE

    @property
    def best_dir(self) -> Path:
        return self.folder / "best"

    @property
    def has_model(self) -> bool:
        """Whether a best checkpoint exists (every finished run that trained an epoch)."""
        return (self.best_dir / "config.json").is_file()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ensure_table(workspace: Workspace) -> None:
    with workspace.connect() as con:
        con.execute(_SCHEMA)


def run_folder(workspace: Workspace, run_id: str) -> Path:
    """The folder of run `run_id`; the id is checked, so no user text reaches a path."""
    return workspace.root / "runs" / validate_name(run_id, "run")


def new_run_id(model: str) -> str:
    """A fresh, sortable, unique run id such as `sasrec-20261201-061502-3fa9`."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return validate_name(f"{model}-{stamp}-{uuid.uuid4().hex[:4]}", "run")


def write_json_atomic(path: Path, value: dict[str, Any]) -> None:
    """Replace `path` with `value` as JSON, never leaving a half-written file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(value, default=str))
    os.replace(partial, path)


def read_status(folder: Path) -> dict[str, Any]:
    """The run's `status.json` ({} when missing or unreadable)."""
    try:
        return json.loads((folder / "status.json").read_text())
    except (OSError, json.JSONDecodeError):
        return {}


def write_status(folder: Path, status: str, **fields: Any) -> dict[str, Any]:
    """Set the live state (keeps earlier fields such as `pid` unless overridden)."""
    value = {**read_status(folder), **fields, "status": status, "updated_at": _now().isoformat()}
    write_json_atomic(folder / "status.json", value)
    return value


def append_progress(folder: Path, event: dict[str, Any]) -> None:
    """Append one progress event (a JSON line) to `progress.jsonl`."""
    with (folder / "progress.jsonl").open("a") as handle:
        handle.write(json.dumps(event, default=str) + "\n")


def read_progress(folder: Path) -> list[dict[str, Any]]:
    """Every complete progress event so far (a line being written is skipped)."""
    path = folder / "progress.jsonl"
    if not path.is_file():
        return []
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the writer's last line may be incomplete right now
    return events


def create_run(workspace: Workspace, dataset: str, model: str, request: dict[str, Any]) -> RunInfo:
    """Register a queued run for `dataset` and create its folder with `request.json`."""
    _ensure_table(workspace)
    workspace.get_dataset(dataset)  # raises with the known names if absent
    run_id = new_run_id(model)
    folder = run_folder(workspace, run_id)
    folder.mkdir(parents=True)
    full_request = {**request, "dataset": dataset, "model": model}
    write_json_atomic(folder / "request.json", full_request)
    write_status(folder, QUEUED)
    with workspace.connect() as con:
        con.execute(
            "INSERT INTO runs (run_id, dataset, model, status, created_at, request_json) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, dataset, model, QUEUED, _now(), json.dumps(full_request)],
        )
    return get_run(workspace, run_id)


def record_state(
    workspace: Workspace,
    run_id: str,
    status: str,
    *,
    device: str | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Write a state change to the registry row, then to `status.json`.

    In that order: a reader that sees a final state (from the registry) also sees its
    result; `status.json` only ever runs ahead for queued → running.
    """
    folder = run_folder(workspace, run_id)
    extra = {k: v for k, v in {"device": device, "error": error}.items() if v is not None}
    finished = _now() if status in FINAL else None
    with workspace.connect() as con:
        con.execute(
            "UPDATE runs SET status = ?, finished_at = ?, device = coalesce(?, device), "
            "result_json = coalesce(?, result_json), error = ? WHERE run_id = ?",
            [
                status,
                finished,
                device,
                json.dumps(result, default=str) if result is not None else None,
                error,
                run_id,
            ],
        )
    write_status(folder, status, **extra)


def _row_to_info(workspace: Workspace, row: dict[str, Any]) -> RunInfo:
    folder = run_folder(workspace, row["run_id"])
    live = read_status(folder)
    status = row["status"]
    if status in ACTIVE and live.get("status") in ACTIVE:
        status = live["status"]  # queued → running shows in the worker's file first
    return RunInfo(
        run_id=row["run_id"],
        dataset=row["dataset"],
        model=row["model"],
        status=status,
        created_at=row["created_at"],
        folder=folder,
        request=json.loads(row["request_json"]),
        device=row["device"] or live.get("device"),
        finished_at=row["finished_at"] if not _missing(row["finished_at"]) else None,
        result=json.loads(row["result_json"]) if isinstance(row["result_json"], str) else {},
        error=row["error"] if isinstance(row["error"], str) else live.get("error"),
        pid=live.get("pid") or _launcher_pid(folder),
    )


def record_pid(folder: Path, pid: int) -> None:
    """The launcher's record of the worker's pid (before the worker writes its own)."""
    write_json_atomic(folder / PID_FILE, {"pid": pid})


def _launcher_pid(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / PID_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value) == "NaT"


def _reconcile(workspace: Workspace, info: RunInfo) -> RunInfo:
    """Mark an active run whose worker is gone as failed (it can never finish)."""
    if not info.active or process_alive(info.pid):
        return info
    if info.pid is None and info.status == QUEUED:
        waited = (_now() - info.created_at).total_seconds()
        if waited < _LAUNCH_GRACE_S:
            return info  # still being launched: the launcher writes the pid right after start
        record_state(workspace, info.run_id, FAILED, error="the worker process never started")
        return get_run(workspace, info.run_id, reconcile=False)
    live = read_status(info.folder)
    if live.get("status") in FINAL:
        fresh = get_run(workspace, info.run_id, reconcile=False)
        if fresh.active:  # the worker wrote its file but died before the registry row
            record_state(workspace, info.run_id, live["status"], error=live.get("error"))
            fresh = get_run(workspace, info.run_id, reconcile=False)
        return fresh
    if cancel_requested(info.folder):
        record_state(workspace, info.run_id, CANCELLED, error="cancelled by the user")
        return get_run(workspace, info.run_id, reconcile=False)
    error = (
        f"the worker process (pid {info.pid}) ended without reporting a result "
        "(killed, or out of memory); see worker.log in the run folder. Earlier models "
        "are untouched; start the run again."
    )
    record_state(workspace, info.run_id, FAILED, error=error)
    return get_run(workspace, info.run_id, reconcile=False)


def get_run(workspace: Workspace, run_id: str, *, reconcile: bool = True) -> RunInfo:
    """Run `run_id`; raises WorkspaceError naming the known runs when absent."""
    _ensure_table(workspace)
    validate_name(run_id, "run")
    with workspace.connect() as con:
        rows = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).fetchdf()
    if rows.empty:
        known = ", ".join(r.run_id for r in list_runs(workspace)[:5]) or "none yet"
        raise WorkspaceError(f"no run named {run_id!r} in {workspace.root} (recent: {known})")
    info = _row_to_info(workspace, rows.to_dict("records")[0])
    return _reconcile(workspace, info) if reconcile else info


def list_runs(workspace: Workspace, dataset: str | None = None) -> list[RunInfo]:
    """Every run (of `dataset`, when given), newest first, dead workers reconciled."""
    _ensure_table(workspace)
    query, params = "SELECT * FROM runs", []
    if dataset is not None:
        query, params = query + " WHERE dataset = ?", [dataset]
    with workspace.connect() as con:
        rows = con.execute(query + " ORDER BY created_at DESC", params).fetchdf()
    infos = [_row_to_info(workspace, row) for row in rows.to_dict("records")]
    return [_reconcile(workspace, info) if info.active else info for info in infos]


def request_cancel(folder: Path) -> None:
    """Leave the cancel marker the worker polls for."""
    (folder / "cancel").touch()


def clear_cancel(folder: Path) -> None:
    """Remove the cancel marker (before a stopped run is resumed)."""
    (folder / "cancel").unlink(missing_ok=True)


def cancel_requested(folder: Path) -> bool:
    """Whether somebody asked this run to stop."""
    return (folder / "cancel").exists()
