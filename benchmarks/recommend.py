"""Recommendation speed on a Beauty-sized model: one list, a what-if re-score, a segment.

    python benchmarks/recommend.py [--threads 2] [--epochs 1] [--keep DIR]

Ingests ../shared/datasets/amazon_beauty (22,363 users, 12,101 items) into a scratch
workspace, trains SASRec (64-dim, 2 layers, length 50) for `--epochs` epochs through the
CLI, then measures on this CPU, each against a baseline in the same run:
  - top-10 for one user with reasons (median of 50 users; baseline: without reasons),
  - a what-if edit re-scored with its rank diff (95th percentile of 50 edits),
  - a segment of 1,000 users (batched; baseline: the same users one by one),
  - the review report for 10 users, when `seqrec_core.report.review_report` exists.
Targets: ≤ 20 ms, ≤ 50 ms (p95), ≤ 2 s, ≤ 30 s.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEAUTY = ROOT.parent / "shared" / "datasets" / "amazon_beauty"
sys.path.insert(0, str(ROOT))


def _ms(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1e3:7.1f} ms   p95 {p95 * 1e3:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="workspace folder to reuse")
    args = parser.parse_args()

    import torch

    from seqrec_core.cli.main import main as cli
    from seqrec_core.ingest.pipeline import ingest
    from seqrec_core.recommend.item_table import Filters
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.recommend.segments import preview_segment
    from seqrec_core.recommend.whatif import rank_diff, remove_event
    from seqrec_core.runs import registry
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.store import Workspace

    torch.set_num_threads(args.threads)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="seqrec-rec-bench-"))
    ws = Workspace.open(folder / "ws")
    if ws.find_dataset("beauty") is None:
        ingest(BEAUTY / "events.csv", ws, "beauty", items_path=BEAUTY / "items.csv")
    trained = [r for r in registry.list_runs(ws, "beauty") if r.has_model]
    if not trained:
        with contextlib.redirect_stdout(sys.stderr):  # the CLI's answer is not a figure
            code = cli(
                ["train", "--workspace", str(ws.root), "--dataset", "beauty", "--model", "sasrec",
                 "--epochs", str(args.epochs), "--device", "cpu"]
            )  # fmt: skip
        assert code == 0
        trained = [r for r in registry.list_runs(ws, "beauty") if r.has_model]
    started = time.perf_counter()
    engine = RunRecommender.from_run(load_run(ws, trained[0].run_id))
    print(f"model loaded with its data in {time.perf_counter() - started:.1f} s")
    users = list(engine.loaded.prepared.data.users.tokens)
    sample = users[:: len(users) // 50][:50]
    histories = {u: engine.user_history(u) for u in sample}
    engine.recommend(histories[sample[0]], k=10)  # warm-up

    def timed(call) -> float:
        begin = time.perf_counter()
        call()
        return time.perf_counter() - begin

    with_reasons = [timed(lambda u=u: engine.recommend(histories[u], k=10)) for u in sample]
    without = [
        timed(lambda u=u: engine.recommend(histories[u], k=10, reasons=False)) for u in sample
    ]
    print(f"top-10, one user, with reasons     {_ms(with_reasons)}   (target median ≤ 20 ms)")
    print(f"top-10, one user, without reasons  {_ms(without)}   (baseline)")

    def what_if(user: str) -> None:
        before = engine.recommend(histories[user], k=10)
        after = engine.recommend(remove_event(histories[user], len(histories[user]) - 1), k=10)
        rank_diff(before, after)

    edits = [timed(lambda u=u: what_if(u)) for u in sample]
    print(f"what-if edit + re-score + diff     {_ms(edits)}   (target p95 ≤ 50 ms)")

    segment = users[:1000]
    batched = timed(lambda: preview_segment(engine, segment, k=10, filters=Filters()))
    one_by_one = timed(
        lambda: [
            engine.recommend(engine.user_history(u), k=10, reasons=False) for u in segment[:200]
        ]
    ) * (len(segment) / 200)
    print(f"segment of 1,000 users, batched    {batched:7.2f} s   (target ≤ 2 s)")
    print(
        f"same users one by one (estimated)  {one_by_one:7.2f} s   ratio {one_by_one / batched:.1f}x"
    )
    try:
        from seqrec_core.report.review_report import build_report
    except ImportError:
        print("review report: seqrec_core.report.review_report not available yet")
    else:
        out = folder / "report.html"
        seconds = timed(lambda: build_report(ws, trained[0].run_id, users=sample[:10], out=out))
        print(f"review report, 10 users            {seconds:7.2f} s   (target ≤ 30 s)")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
