"""What every command of the command line shares: the common flags and progress on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seqrec_core.store import default_workspace_path


def add_common(command: argparse.ArgumentParser) -> None:
    """Give a command the flags every command has: `--workspace DIR` and `--json`."""
    command.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help=f"default: {default_workspace_path()}",
    )
    command.add_argument("--json", action="store_true", help="print one JSON object")


def stderr_progress(fraction: float, message: str) -> None:
    """Print a long command's progress to stderr, so stdout stays one JSON object."""
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)
