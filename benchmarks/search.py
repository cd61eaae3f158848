"""Search benchmark: text-only, model-only and blended search quality, and search latency.

For each dataset (the bundled sample shop, SASRec 10 epochs; UCI Online Retail, a real UK
shop whose product descriptions are the titles, ../shared/datasets/uci_online_retail, SASRec
4 epochs) it ingests the data into a scratch workspace, trains through the CLI, builds the
run's `SearchEngine` once, and prints
  - the three rows of `search.evaluation` on the test split (NDCG@10, HR@10, MRR) with the
    blend's weight chosen on validation and the blend / text ratio (target ≥ 1.5×),
  - p50 / p95 latency of one personalised search (weight 0.5, k 10, with and without
    reasons) over `--searches` shoppers with distinct queries, after a warm-up (target
    ≤ 100 ms p95 at 12k items), with the machine's load average: on a shared machine other
    processes' work shows in the p95. Timed on the app server's torch threads
    (`--serve-threads`, 1 as `devices.use_serve_threads`) and, as the same-run baseline,
    on the training threads (`--threads`).

    python benchmarks/search.py                         # both datasets
    python benchmarks/search.py --data sample --keep .bench/search   # reuse the trained run
    python benchmarks/search.py --fusion                 # also text-only NDCG of both fusions
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))
UCI = ROOT.parent / "shared" / "datasets" / "uci_online_retail"
DATASETS = {  # name → events, catalog, epochs
    "sample": (ROOT / "sample_data" / "events.csv.gz", ROOT / "sample_data" / "items.csv", 10),
    "uci": (UCI / "events.csv.gz", UCI / "items.csv", 4),
}


def _trained_run(workspace: Path, name: str, threads: int) -> str:
    """Ingest `name` and train SASRec through the CLI (once per workspace); the run id."""
    from seqrec_core.cli.main import main as cli
    from seqrec_core.ingest.pipeline import ingest
    from seqrec_core.runs import registry
    from seqrec_core.store import Workspace

    ws = Workspace.open(workspace)
    events, items, epochs = DATASETS[name]
    if ws.find_dataset(name) is None:
        ingest(events, ws, name, items_path=items)
    runs = [r for r in registry.list_runs(ws, name) if r.has_model]
    if not runs:
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the CLI's answer is not a figure
            code = cli(["train", "--workspace", str(ws.root), "--dataset", name, "--model",
                        "sasrec", "--epochs", str(epochs), "--device", "cpu", "--json"])  # fmt: skip
        assert code == 0, f"training {name} failed"
        print(f"trained SASRec ({epochs} epochs) in {time.perf_counter() - started:.0f} s")
        runs = [r for r in registry.list_runs(ws, name) if r.has_model]
    return runs[0].run_id


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _latency(engine, ws, searches: int, reasons: bool = True) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """p50 and p95 ms of one personalised search, and over how many shoppers and queries."""
    import numpy as np

    from seqrec_core.search.queries import example_queries

    loaded = engine.recommender.loaded
    test = loaded.prepared.split.test
    words = engine.lexical.words
    queries, _ = example_queries(ws, loaded, engine.recommender.table, test, words)
    users = loaded.prepared.data.users.tokens
    # Distinct queries, so every timed search encodes its query (repeats would hit the cache).
    first = {q: r for r, q in reversed(list(enumerate(queries))) if q}
    rows = sorted(first.values())
    rows = [rows[i] for i in np.linspace(0, len(rows) - 1, min(searches, len(rows))).astype(int)]
    picks = [(users[int(test.history.users[r]) - 1], queries[r]) for r in dict.fromkeys(rows)]
    engine.search("warm up", None, user=picks[0][0])  # loads the encoder; not a timed query
    times = []
    for user, query in picks:
        started = time.perf_counter()
        engine.search(query, None, user=user, personalization=0.5, k=10, reasons=reasons)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3, _percentile(times, 0.95) * 1e3, len(times)


def bench(name: str, folder: Path, args: argparse.Namespace) -> None:
    import torch

    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.search.engine import SearchEngine
    from seqrec_core.search.evaluation import KINDS, evaluate_search
    from seqrec_core.store import Workspace

    torch.set_num_threads(args.threads)
    run = _trained_run(folder / name, name, args.threads)
    ws = Workspace.open(folder / name)
    loaded = load_run(ws, run)
    started = time.perf_counter()
    engine = SearchEngine.from_run(ws, loaded)
    built = time.perf_counter() - started
    items = loaded.prepared.data.items.num_tokens
    print(f"\n## {name}: {items:,} products, run {run}; engine built in {built:.1f} s "
          f"({engine.dense.source if engine.dense else 'lexical only'})")  # fmt: skip
    started = time.perf_counter()
    result = evaluate_search(ws, engine, max_examples=args.max_examples)
    print(f"evaluated {result.examples:,} test searches in {time.perf_counter() - started:.0f} s;"
          f" queries: {result.query_sources}; blend weight {result.weight:.1f} (validation)")  # fmt: skip
    print(f"{'ranking':<8} {'NDCG@10':>8} {'HR@10':>7} {'MRR':>7}")
    for kind in KINDS:
        m = result.metrics[kind]
        print(f"{kind:<8} {m['NDCG@10']:>8.4f} {m['HR@10']:>7.4f} {m['MRR']:>7.4f}")
    text, mixed = result.metrics["text"]["NDCG@10"], result.metrics["blend"]["NDCG@10"]
    print(f"blend / text NDCG@10: {mixed / text if text else float('inf'):.2f}× (target ≥ 1.5×)")
    if args.fusion:
        for method in ("minmax", "rank"):
            other = evaluate_search(
                ws, replace(engine, fusion=method), max_examples=args.max_examples
            )
            print(f"fusion {method:<6}: text NDCG@10 {other.metrics['text']['NDCG@10']:.4f}, "
                  f"blend {other.metrics['blend']['NDCG@10']:.4f} (w {other.weight:.1f})")  # fmt: skip
    for reasons in (True, False):
        p95s = []
        for threads in dict.fromkeys((args.serve_threads, args.threads)):
            torch.set_num_threads(threads)
            p50, p95, count = _latency(engine, ws, args.searches, reasons)
            p95s.append(p95)
            print(f"one personalised search{'' if reasons else ' without reasons'}: p50 "
                  f"{p50:.1f} ms, p95 {p95:.1f} ms ({count} shoppers, distinct queries, "
                  f"{threads} thread(s), load {os.getloadavg()[0]:.1f})")  # fmt: skip
        if len(p95s) == 2:
            print(
                f"  p95 on {args.threads} threads / on {args.serve_threads}: "
                f"{p95s[1] / p95s[0]:.2f}×"
            )
        torch.set_num_threads(args.threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--threads", type=int, default=2, help="training and evaluation")
    parser.add_argument("--serve-threads", type=int, default=1, help="timed searches")
    parser.add_argument("--max-examples", type=int, help="evaluate a seeded sample per split")
    parser.add_argument("--searches", type=int, default=200, help="searches timed")
    parser.add_argument("--fusion", action="store_true", help="compare min-max and rank fusion")
    parser.add_argument("--keep", type=Path, help="workspace folder to reuse between runs")
    args = parser.parse_args()
    names = list(DATASETS) if args.data == "all" else [args.data]
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name in names:
            bench(name, folder, args)


if __name__ == "__main__":
    main()
