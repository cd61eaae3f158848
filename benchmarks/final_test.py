"""The final test of a trained run: speed, what its progress and saves cost, and a resume.

On a seeded sample of the run's test shoppers it times `evaluate` (the plain ranking, the
baseline) and `training.final_test` with progress and a save every `--save-every`
seconds (what a run does), prints shoppers ranked per second and the ratio of the two,
then stops a final test halfway and resumes it, checking that the resumed metrics equal
the uninterrupted ones. From the speed it prints how long every test shopper would take,
the figure a user weighs against a sampled test (`--set test_sample=N`).

    python benchmarks/final_test.py --workspace /tmp/scale/e10000000/ws --shoppers 30000
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))


class _Stop(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--run", help="a trained run (default: the newest with a model)")
    parser.add_argument("--shoppers", type=int, default=30_000, help="test shoppers sampled")
    parser.add_argument("--save-every", type=float, default=30.0, help="seconds between saves")
    args = parser.parse_args()

    from seqrec_core.runs import registry
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.store import Workspace
    from seqrec_core.training import final_test as ft
    from seqrec_core.training.evaluation import evaluate, training_popularity

    workspace = Workspace.open(args.workspace)
    run = args.run or next(r for r in registry.list_runs(workspace) if r.has_model).run_id
    loaded = load_run(workspace, run)
    model, split = loaded.model.eval(), loaded.prepared.split
    tested = split.test.sample(args.shoppers, seed=0)
    popularity = training_popularity(split, model.config.num_items)
    print(f"{run}: {len(tested):,} of {len(split.test):,} test shoppers, "
          f"{model.config.num_items:,} products")  # fmt: skip

    evaluate(model, split.test.sample(2048, seed=1))  # warm-up: the first batches are slow
    start = time.perf_counter()
    plain = evaluate(model, tested, item_popularity=popularity)
    plain_s = time.perf_counter() - start
    ft.SAVE_EVERY_S = args.save_every
    with tempfile.TemporaryDirectory() as scratch:
        state = Path(scratch) / "test_progress.npz"
        reports: list[int] = []
        start = time.perf_counter()
        saved = ft.final_test(
            model, tested, item_popularity=popularity, state_file=state,
            progress=lambda done, total: reports.append(done),
        )  # fmt: skip
        saved_s = time.perf_counter() - start
        assert saved.metrics == plain.metrics, "final_test differs from evaluate"

        def stop_halfway(done: int, total: int) -> None:
            if done >= total // 2:
                raise _Stop

        ft.SAVE_EVERY_S = 0.0  # the stop comes right after a save
        with contextlib.suppress(_Stop):
            ft.final_test(
                model, tested, item_popularity=popularity, state_file=state,
                progress=stop_halfway,
            )  # fmt: skip
        ft.SAVE_EVERY_S = args.save_every
        start = time.perf_counter()
        resumed = ft.final_test(model, tested, item_popularity=popularity, state_file=state)
        resumed_s = time.perf_counter() - start
    speed = len(tested) / plain_s
    print(f"evaluate:                 {plain_s:7.1f} s  {speed:8,.0f} shoppers/s")
    print(f"final_test (progress, a save every {args.save_every:.0f} s): {saved_s:7.1f} s  "
          f"× {saved_s / plain_s:.2f} of evaluate, {len(reports):,} progress reports")  # fmt: skip
    print(f"resumed from halfway:     {resumed_s:7.1f} s  (× {resumed_s / plain_s:.2f}); "
          f"metrics equal to uninterrupted: {resumed.metrics == plain.metrics}")  # fmt: skip
    print(f"every test shopper ({len(split.test):,}) would take about "
          f"{len(split.test) / speed / 60:,.0f} min here")  # fmt: skip


if __name__ == "__main__":
    main()
