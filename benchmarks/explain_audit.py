"""Speed of the explainers' audit (the Explain page's "Audit" tab) on a trained run.

Audits `--users` shoppers sampled with `--seed` (30 and 0, as the page's default) with
the page's default settings (every method the model supports, IG 50 steps, 10 random
orders, the counterfactual), and prints the wall-clock and CPU seconds together with
the work done, which does not depend on what else the machine runs: the rows
`score_items` scored and the events in them (rows × columns after padding is trimmed).
`--profile` adds cProfile's top functions by cumulative time.

    python -m seqrec_core ingest sample_data/events.csv.gz --items sample_data/items.csv \\
        --workspace /tmp/ws --name sample
    python -m seqrec_core train --workspace /tmp/ws --dataset sample --model sasrec --epochs 3
    python benchmarks/explain_audit.py --workspace /tmp/ws --run RUN [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).absolute().parents[1]


class _Counted:
    """Wraps a `score_items` and counts the rows and events it is asked to score."""

    def __init__(self, score_fn: Callable[..., torch.Tensor]) -> None:
        self.score_fn = score_fn
        self.rows = 0
        self.cells = 0

    def __call__(self, input_ids: torch.Tensor, *args: torch.Tensor) -> torch.Tensor:
        self.rows += int(input_ids.shape[0])
        self.cells += int(input_ids.numel())
        return self.score_fn(input_ids, *args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(ROOT))

    from seqrec_core.explain.audit import audit, sample_users
    from seqrec_core.explain.options import ExplainOptions
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.store import Workspace

    loaded = load_run(Workspace.open(args.workspace), args.run)
    model, data = loaded.model, loaded.prepared.data
    counted = _Counted(model.score_items)
    model.score_items = counted  # the explainers read the bound method off the model
    users = sample_users(data, args.users, seed=args.seed)
    profile = cProfile.Profile(time.process_time) if args.profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    result = audit(model, data, users, options=ExplainOptions())
    if profile is not None:
        profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{model.name} run {args.run}: audit of {len(result.per_user)} shoppers on "
        f"{args.threads} thread(s): {wall:.1f} s wall, {cpu:.1f} s CPU; score_items scored "
        f"{counted.rows:,} rows, {counted.cells:,} events"
    )
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
