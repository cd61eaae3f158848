"""The `report` command: the explainability review report of a run as one HTML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from seqrec_core.cli.common import add_common
from seqrec_core.errors import InputError
from seqrec_core.report.defaults import AUDIT_USERS
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register `report` on the CLI's subparsers."""
    cmd = commands.add_parser("report", help="explainability review report (self-contained HTML)")
    add_common(cmd)
    cmd.add_argument("--run", required=True, help="trained run (see `runs`)")
    cmd.add_argument("--users", help="U1,U2,...: shoppers to explain (default: 3 telling cases)")
    cmd.add_argument("--out", type=Path, required=True, help="where to write FILE.html")
    cmd.add_argument(
        "--audit",
        type=int,
        default=AUDIT_USERS,
        help=f"shoppers in the faithfulness audit (default {AUDIT_USERS}; 0: none)",
    )
    cmd.add_argument("--note", default="", help="a reviewer's note printed at the top")
    cmd.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> dict[str, Any]:
    # torch, captum: the report's models and explainers are imported only when it runs.
    from seqrec_core.report.review_report import build_report

    out: Path = args.out
    if not out.parent.is_dir():
        raise InputError(
            f"the folder of --out {out} does not exist", hint="create it or write elsewhere"
        )
    users = [u.strip() for u in args.users.split(",") if u.strip()] if args.users else None
    info = build_report(
        Workspace.open(args.workspace),
        args.run,
        users=users,
        out=out,
        audit_users=args.audit,
        reviewer_note=args.note,
        progress=lambda fraction, message: print(
            f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True
        ),
    )
    return {
        "path": str(out),
        "users": list(info.users),
        "report": info.report_id,
        "stored_at": str(info.path),
        "created_at": info.created_at.isoformat(),
    }
