"""The command line: `python -m seqrec_core COMMAND ...` (a contract; see DESIGN.md).

With `--json` every command prints exactly one JSON object on stdout and exits non-zero
with `{"error": "..."}` on failure; progress and logs go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from seqrec_core import schema
from seqrec_core.cli import explain, profile, recommend, training
from seqrec_core.cli import report as cli_report
from seqrec_core.errors import SeqRecError
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.store import Workspace, default_workspace_path


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        answer = args.handler(args)
    except SeqRecError as exc:
        return _fail(args, str(exc))
    except (OSError, ValueError) as exc:
        return _fail(args, f"{type(exc).__name__}: {exc}")
    if os.environ.get("RANK", "0") not in ("", "0"):
        return 0  # under torchrun only rank 0 answers
    if args.json:
        print(json.dumps(answer, default=str))
    else:
        _print_human(answer)
    return 0


def _fail(args: argparse.Namespace, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": message}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return 1


class _Parser(argparse.ArgumentParser):
    """An argument parser that keeps the `--json` promise for usage errors too."""

    def error(self, message: str) -> NoReturn:
        if "--json" in sys.argv[1:]:
            print(json.dumps({"error": f"{self.prog}: {message}"}))
            raise SystemExit(2)
        super().error(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m seqrec_core", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ingest_cmd = commands.add_parser("ingest", help="ingest a behaviour log into a workspace")
    ingest_cmd.add_argument("path", type=Path, help="event file (CSV/TSV/xlsx/Parquet/JSONL/...)")
    _common(ingest_cmd)
    ingest_cmd.add_argument("--name", required=True, help="dataset name")
    ingest_cmd.add_argument("--items", type=Path, help="optional catalog file")
    ingest_cmd.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help=f"map a source column to a field ({', '.join(schema.ALL_FIELDS)}); "
        "an empty FIELD keeps the column as an extra",
    )
    ingest_cmd.add_argument("--pseudonymize", action="store_true", help="hash user ids")
    ingest_cmd.add_argument("--replace", action="store_true", help="replace a same-name dataset")
    ingest_cmd.set_defaults(handler=_ingest)

    list_cmd = commands.add_parser("datasets", help="list the datasets of a workspace")
    _common(list_cmd)
    list_cmd.set_defaults(handler=_datasets)
    training.add_commands(commands, _common)
    profile.add_commands(commands, _common)
    recommend.add_commands(commands, _common)
    cli_report.add_commands(commands, _common)
    explain.add_commands(commands, _common)
    return parser


def _common(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help=f"default: {default_workspace_path()}",
    )
    command.add_argument("--json", action="store_true", help="print one JSON object")


def _ingest(args: argparse.Namespace) -> dict[str, Any]:
    overrides = dict(_parse_map(item) for item in args.map)
    workspace = Workspace.open(args.workspace)
    result = ingest(
        args.path,
        workspace,
        args.name,
        items_path=args.items,
        column_mapping=overrides or None,
        pseudonymize=args.pseudonymize,
        replace=args.replace,
        progress=_stderr_progress,
    )
    report = result.report
    return {
        "dataset": result.dataset.name,
        "reused": result.reused,
        "rows_read": report.rows_read,
        "rows_accepted": report.rows_accepted,
        "rows_rejected": report.rows_rejected,
        "rejected_by_reason": report.rejected_by_reason,
        "column_mapping": report.column_mapping,
        "users": report.users,
        "items": report.items,
        "events_by_type": report.events_by_type,
        "catalog_items": report.catalog_items,
        "time_min": report.time_min,
        "time_max": report.time_max,
        "warnings": [
            {"code": w.code, "message": w.message, "count": w.count} for w in report.warnings
        ],
        "examples": {r: [vars(i) for i in issues] for r, issues in report.examples.items()},
        "duplicate_of": report.duplicate_of,
        "path": str(result.dataset.folder),
    }


def _datasets(args: argparse.Namespace) -> dict[str, Any]:
    workspace = Workspace.open(args.workspace)
    return {
        "datasets": [
            {
                "name": d.name,
                "created_at": d.created_at.isoformat(),
                "source": d.source_name,
                "rows_accepted": d.rows_accepted,
                "users": d.users,
                "items": d.items,
            }
            for d in workspace.list_datasets()
        ]
    }


def _parse_map(item: str) -> tuple[str, str | None]:
    column, sep, field = item.partition("=")
    if not sep or not column:
        raise SeqRecError(f"--map {item!r}: write COLUMN=FIELD, e.g. --map visitorid=user_id")
    return column, field.strip() or None


def _stderr_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _print_human(answer: dict[str, Any]) -> None:
    for key, value in answer.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        print(f"{key}: {value}")
