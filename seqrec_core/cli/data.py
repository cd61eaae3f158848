"""The dataset commands of the command line: `ingest` and `datasets`.

Both need only the ingest pipeline and the workspace (pandas, DuckDB), never torch, so
they answer at once; `ingest --json` prints the validation report's figures.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from seqrec_core import schema
from seqrec_core.cli.common import add_common, stderr_progress
from seqrec_core.errors import SeqRecError
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register the dataset commands on the CLI's subparsers."""
    ingest_cmd = commands.add_parser("ingest", help="ingest a behaviour log into a workspace")
    ingest_cmd.add_argument("path", type=Path, help="event file (CSV/TSV/xlsx/Parquet/JSONL/...)")
    add_common(ingest_cmd)
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
    add_common(list_cmd)
    list_cmd.set_defaults(handler=_datasets)


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
        progress=stderr_progress,
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
