"""The run-listing commands of the command line: `runs` and `cancel`.

`runs` reads only the run registry (no torch), so listing answers at once.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from seqrec_core.cli.common import add_common
from seqrec_core.runs import registry
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register the run-listing commands on the CLI's subparsers."""
    runs_cmd = commands.add_parser("runs", help="list the training runs of a workspace")
    add_common(runs_cmd)
    runs_cmd.add_argument("--dataset", help="only runs of this dataset")
    runs_cmd.set_defaults(handler=_runs)

    cancel_cmd = commands.add_parser("cancel", help="stop a queued or running run")
    add_common(cancel_cmd)
    cancel_cmd.add_argument("--run", required=True)
    cancel_cmd.set_defaults(handler=_cancel)


def _run_row(info: registry.RunInfo) -> dict[str, Any]:
    return {
        "run": info.run_id,
        "dataset": info.dataset,
        "model": info.model,
        "status": info.status,
        "created_at": info.created_at.isoformat(),
        "device": info.device,
        "error": info.error,
        "metrics": info.result.get("metrics", {}),
        "test_metrics": info.result.get("test_metrics", {}),
        "folder": str(Path(info.folder)),
    }


def _runs(args: argparse.Namespace) -> dict[str, Any]:
    workspace = Workspace.open(args.workspace)
    return {"runs": [_run_row(info) for info in registry.list_runs(workspace, args.dataset)]}


def _cancel(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here so that `runs` does not pay for it.
    from seqrec_core.runs import cancel

    info = cancel.cancel_run(Workspace.open(args.workspace), args.run)
    return {"run": info.run_id, "status": info.status}
