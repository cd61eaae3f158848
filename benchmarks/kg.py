"""Knowledge-graph benchmark: graph build time and memory, profile latency, PageRank baseline.

On Amazon Beauty (../shared/datasets/amazon_beauty, read in place) or the bundled sample
shop. Prints:

- the graph build (wall time and peak memory, measured in a child process that only
  loads the data and builds the graph; targets: ≤ 20 s and ≤ 2 GB on Beauty);
- one profile including personalized PageRank, median / p90 / max over `--users` users
  drawn with a fixed seed (target: median ≤ 300 ms), and explanation paths per
  (user, nearby item);
- the baseline: personalized PageRank on the full graph against the bounded subgraph the
  profile uses, as a time ratio, and how many of the top-8 interests both agree on.

    python benchmarks/kg.py                      # Amazon Beauty
    python benchmarks/kg.py --data sample --users 30
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parents[1]
BEAUTY = ROOT.parent / "shared" / "datasets" / "amazon_beauty"
SAMPLE = ROOT / "sample_data"
sys.path.insert(0, str(ROOT))


def _load(data: str):
    import pandas as pd

    if data == "beauty":
        events = pd.read_csv(BEAUTY / "events.csv", dtype=str)
        items = pd.read_csv(BEAUTY / "items.csv", dtype=str)
    else:
        events = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str)
        items = pd.read_csv(SAMPLE / "items.csv", dtype=str)
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    return events, items


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def build_only(data: str) -> dict[str, Any]:
    """Load and build once, in this (child) process: times and peak memory."""
    from seqrec_core.kg.graph import build_graph

    started = time.perf_counter()
    events, items = _load(data)
    load_s, before = time.perf_counter() - started, _peak_mb()
    started = time.perf_counter()
    kg = build_graph(events, items)
    build_s = time.perf_counter() - started
    return {
        "events": len(events),
        "load_s": load_s,
        "build_s": build_s,
        "peak_mb_after_load": before,
        "peak_mb_after_build": _peak_mb(),
        "nodes": dict(Counter(d["kind"] for _, d in kg.graph.nodes(data=True))),
        "edges": dict(Counter(d["kind"] for *_, d in kg.graph.edges(data=True))),
        "missing": list(kg.missing),
    }


def _stats(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   max {ms[-1]:7.1f} ms"


def profiles(data: str, n_users: int, n_full: int, seed: int) -> None:
    """Profile, interest and path latencies, and the full-graph PageRank baseline."""
    import pandas as pd

    from seqrec_core.kg.graph import build_graph
    from seqrec_core.kg.interests import (
        INTEREST_KINDS,
        inferred_interests,
        neighbourhood,
        personalized_pagerank,
    )
    from seqrec_core.kg.nodes import node_id, node_kind
    from seqrec_core.kg.paths import explain_paths
    from seqrec_core.kg.shopper_profile import user_profile

    kg = build_graph(*_load(data))
    users = pd.Series(sorted(kg.user_rows)).sample(n_users, random_state=seed).tolist()
    user_profile(kg, users[0])  # warm-up (first-call overheads), not counted
    total, interest_s, path_s, sizes, found = [], [], [], [], []
    for user in users:
        started = time.perf_counter()
        user_profile(kg, user)
        total.append(time.perf_counter() - started)
        started = time.perf_counter()
        inferred_interests(kg, user)
        interest_s.append(time.perf_counter() - started)
        nodes, touched = neighbourhood(kg, user)
        sizes.append(len(nodes))
        target = next((n for n in nodes if n.startswith("item:") and n not in touched), None)
        if target is not None:
            started = time.perf_counter()
            found.append(len(explain_paths(kg, user, target.partition(":")[2])))
            path_s.append(time.perf_counter() - started)
    print(f"\nprofile incl. personalized PageRank, {n_users} users (seed {seed}):")
    print(f"  whole profile          {_stats(total)}")
    print(f"  inferred interests     {_stats(interest_s)}")
    if path_s:
        print(
            f"  explain_paths (k=3)    {_stats(path_s)}   paths found: {statistics.mean(found):.1f} avg"
        )
    print(
        f"  bounded subgraph       median {statistics.median(sizes):.0f} nodes (max {max(sizes)}) "
        f"of {kg.graph.number_of_nodes():,}"
    )

    full_s, bounded_s, overlaps = [], [], []
    for user in users[:n_full]:
        started = time.perf_counter()
        ranks = personalized_pagerank(kg.graph, node_id("user", user))
        full_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        bounded = inferred_interests(kg, user)
        bounded_s.append(time.perf_counter() - started)
        _, touched = neighbourhood(kg, user)
        ranked = sorted(
            (n for n in ranks if n not in touched and node_kind(n) in INTEREST_KINDS),
            key=lambda n: -ranks[n],
        )[: len(bounded)]
        if bounded:
            overlaps.append(len(set(ranked) & {i.node for i in bounded}) / len(bounded))
    ratio = statistics.median(full_s) / statistics.median(bounded_s)
    print(f"\nbaseline: personalized PageRank on the full graph, {n_full} users:")
    print(f"  full graph             {_stats(full_s)}")
    print(f"  bounded (interests)    {_stats(bounded_s)}")
    print(f"  speed-up               {ratio:.0f}x (median full / median bounded incl. paths)")
    if overlaps:
        print(
            f"  top-8 agreement        {statistics.mean(overlaps):.0%} of the bounded interests "
            "are also in the full-graph top list"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", choices=("beauty", "sample"), default="beauty")
    parser.add_argument("--users", type=int, default=20, help="users timed (default 20)")
    parser.add_argument(
        "--full-users", type=int, default=5, help="users for the full-graph baseline"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        print(json.dumps(build_only(args.data)))
        return
    child = subprocess.run(
        [sys.executable, __file__, "--data", args.data, "--build-only"],
        capture_output=True,
        text=True,
        check=True,
    )
    build = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"knowledge graph of {args.data}: {build['events']:,} events")
    print(f"  load CSV               {build['load_s']:7.2f} s")
    print(f"  build graph            {build['build_s']:7.2f} s   (target ≤ 20 s)")
    print(
        f"  peak memory            {build['peak_mb_after_build']:7.0f} MB   "
        f"(after load {build['peak_mb_after_load']:.0f} MB; build adds "
        f"{build['peak_mb_after_build'] - build['peak_mb_after_load']:.0f} MB; target ≤ 2048 MB)"
    )
    print(f"  nodes                  {build['nodes']}")
    print(f"  edges                  {build['edges']}")
    print(f"  missing metadata       {build['missing'] or 'none'}")
    profiles(args.data, args.users, args.full_users, args.seed)


if __name__ == "__main__":
    main()
