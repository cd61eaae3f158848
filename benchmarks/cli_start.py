"""Command-line start-up: how long a quick command takes, against a bare interpreter.

    python benchmarks/cli_start.py [--repeat 5] [--root DIR]

Times, in the same run and as fresh processes, `python -c pass` (the baseline: starting
the interpreter) and `python -m seqrec_core` with `datasets --json` and `runs --json` on an
empty temporary workspace, and `train --help`. Prints the median seconds of `--repeat`
runs each and the ratio to the baseline. Target: `datasets --json` within 1.0 s on the
2-core CI machine (it loads pandas and DuckDB, never torch). `--root` points at another
checkout, e.g. a clone of an older commit, to measure before and after a change.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_command(argv: list[str], cwd: Path, repeat: int) -> list[float]:
    """Wall seconds of `repeat` runs of `argv`; a failing run stops the benchmark."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to run seqrec_core from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cli-start-") as empty:
        cli = [sys.executable, "-m", "seqrec_core"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "datasets --json": [*cli, "datasets", "--json", "--workspace", empty],
            "runs --json": [*cli, "runs", "--json", "--workspace", empty],
            "train --help": [*cli, "train", "--help"],
        }
        # One warm-up run each, so the first timed run does not pay for a cold disk cache.
        for argv in commands.values():
            time_command(argv, args.root, 1)
        medians = {
            label: statistics.median(time_command(argv, args.root, args.repeat))
            for label, argv in commands.items()
        }
    baseline = medians["python -c pass"]
    print(f"seqrec_core from {args.root}, median of {args.repeat} runs")
    print(f"{'command':<20}{'seconds':>9}{'× baseline':>12}")
    for label, seconds in medians.items():
        print(f"{label:<20}{seconds:>9.3f}{seconds / baseline:>12.1f}")


if __name__ == "__main__":
    main()
