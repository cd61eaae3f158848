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
from typing import Any, NoReturn

# Each group's `add_commands` is light (torch-free names only); its handlers import the
# heavy parts when they run, so `datasets` or `--help` answer without loading torch.
from seqrec_core.cli import data, explain, profile, recommend, runs, search, shoppers, training
from seqrec_core.cli import report as cli_report
from seqrec_core.errors import SeqRecError


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
    # This order is the order `--help` lists the commands in.
    data.add_commands(commands)  # ingest, datasets
    training.add_commands(commands)  # train, evaluate
    runs.add_commands(commands)  # runs, cancel
    profile.add_commands(commands)
    recommend.add_commands(commands)
    search.add_commands(commands)
    shoppers.add_commands(commands)  # representations, lookalike, segments
    cli_report.add_commands(commands)
    explain.add_commands(commands)
    return parser


def _print_human(answer: dict[str, Any]) -> None:
    for key, value in answer.items():
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        print(f"{key}: {value}")
