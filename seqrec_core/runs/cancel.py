"""Cancelling a queued or running training run, without loading the training stack.

Kept apart from `worker` (which imports torch to execute runs) so that `cancel` on the
command line and the Train page's Cancel button answer at once.
"""

from __future__ import annotations

import os
import signal

from seqrec_core.errors import RunError
from seqrec_core.runs import registry
from seqrec_core.runs.liveness import process_alive
from seqrec_core.store import Workspace


def worker_pid(info: registry.RunInfo) -> int | None:
    """The pid of the run's worker process (None before it was started)."""
    return info.pid


def cancel_run(workspace: Workspace, run_id: str) -> registry.RunInfo:
    """Ask a queued or running run to stop; a run whose worker is gone is marked cancelled.

    Raises:
        RunError: the run has already finished.
    """
    info = registry.get_run(workspace, run_id)
    if not info.active:
        raise RunError(f"run {run_id} has already {info.status}; there is nothing to cancel")
    registry.request_cancel(info.folder)
    pid = worker_pid(info)
    if process_alive(pid):
        os.kill(pid, signal.SIGTERM)  # type: ignore[arg-type]
    else:
        registry.record_state(
            workspace, run_id, registry.CANCELLED, error="cancelled before it started"
        )
    return registry.get_run(workspace, run_id, reconcile=False)
