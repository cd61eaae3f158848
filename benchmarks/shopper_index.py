"""Shopper neighbour index: exact torch search against faiss's approximate indexes, by size.

Which index should answer "shoppers like this one" for a shop of N shoppers? For each N
(default 1M, 3M, 10M) a seeded gaussian mixture of N unit vectors in 64 dimensions (2,000
tastes, each shopper a taste plus noise: neighbours are close but not duplicates) is
searched by:
  - exact: `seqrec_core.shoppers.neighbours.top_k_cosine` (torch matrix products), the
    reference for recall;
  - faiss flat: `IndexFlatIP`, exact too (BLAS), for a second exact timing;
  - faiss IVF: `IndexIVFFlat`, 4·√N lists trained on a seeded sample, at several
    `nprobe`;
  - faiss HNSW: `IndexHNSWFlat` (M 32), at several `efSearch`, and usearch's HNSW
    (connectivity 16, when usearch is installed: the app does not need it) at several
    `expansion_search` (graphs are built up to `--hnsw-max` shoppers only: their build is
    the slowest).
Per index: build seconds, p50 / p95 milliseconds of one shopper's 10 neighbours (the
Profile's and the CLI's query, after a warm-up) and recall@10 against exact, with the
ratio of its p50 to exact's in the same run. The load average is printed: other work
shows in the p95.

    python benchmarks/shopper_index.py                         # 1M, 3M, 10M
    python benchmarks/shopper_index.py --sizes 1000000 --queries 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))
DIM = 64
TASTES = 2_000
K = 10


def mixture(size: int, seed: int, noise: float) -> np.ndarray:
    """(size, DIM) float32 unit vectors: a random taste each, plus gaussian noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TASTES, DIM)).astype(np.float32)
    out = np.empty((size, DIM), dtype=np.float32)
    for start in range(0, size, 1_000_000):
        n = min(1_000_000, size - start)
        block = centres[rng.integers(0, TASTES, n)]
        block += noise * rng.standard_normal((n, DIM)).astype(np.float32)
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def _times(search: Callable[[int], np.ndarray], queries: np.ndarray) -> tuple[float, float, list]:
    """p50, p95 milliseconds over `queries` (after two warm-up calls) and the answers."""
    search(int(queries[0]))
    search(int(queries[1]))
    took, found = [], []
    for row in queries:
        started = time.perf_counter()
        found.append(search(int(row)))
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took), float(np.percentile(took, 95)), found


def _recall(found: list, truth: list) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def _faiss_search(index, unit: np.ndarray) -> Callable[[int], np.ndarray]:
    def search(row: int) -> np.ndarray:
        _, rows = index.search(unit[row : row + 1], K + 1)
        return np.array([r for r in rows[0] if r != row and r >= 0][:K])

    return search


def bench(size: int, args: argparse.Namespace) -> None:
    import faiss
    import torch

    from seqrec_core.shoppers.neighbours import top_k_cosine

    print(f"\n## {size:,} shoppers × {DIM} dims (load average {os.getloadavg()[0]:.1f})")
    unit = mixture(size, args.seed, args.noise)
    queries = np.random.default_rng(args.seed + 1).choice(size, args.queries, replace=False)
    tensor = torch.from_numpy(unit)

    def exact(row: int) -> np.ndarray:
        excluded = torch.zeros(size, dtype=torch.bool)
        excluded[row] = True
        return top_k_cosine(tensor, tensor[row : row + 1], K, excluded)[1][0].numpy()

    p50, p95, truth = _times(exact, queries)
    base = p50
    print(
        f"{'index':<28} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'× exact':>8} {'recall@10':>10}"
    )
    print(f"{'exact (torch)':<28} {0:>8.1f} {p50:>8.1f} {p95:>8.1f} {1:>7.2f}× {1:>10.3f}")

    def row(label: str, build: float, search: Callable[[int], np.ndarray]) -> None:
        p50, p95, found = _times(search, queries)
        print(f"{label:<28} {build:>8.1f} {p50:>8.1f} {p95:>8.1f} {p50 / base:>7.2f}× "
              f"{_recall(found, truth):>10.3f}")  # fmt: skip

    flat = faiss.IndexFlatIP(DIM)
    started = time.perf_counter()
    flat.add(unit)
    row("faiss flat (exact)", time.perf_counter() - started, _faiss_search(flat, unit))
    del flat

    lists = int(4 * np.sqrt(size))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(DIM)
    ivf = faiss.IndexIVFFlat(quantizer, DIM, lists, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(args.seed + 2).choice(size, min(size, 40 * lists), replace=False)
    ivf.train(unit[np.sort(sample)])
    ivf.add(unit)
    build = time.perf_counter() - started
    for probes in (8, 32, 128):
        ivf.nprobe = probes
        row(f"faiss IVF {lists} nprobe {probes}", build, _faiss_search(ivf, unit))
    del ivf, quantizer

    if size <= args.hnsw_max:
        started = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(DIM, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 64
        hnsw.add(unit)
        build = time.perf_counter() - started
        for ef in (32, 128):
            hnsw.hnsw.efSearch = ef
            row(f"faiss HNSW32 efSearch {ef}", build, _faiss_search(hnsw, unit))
        del hnsw
        try:
            import usearch.index  # not a dependency of the app: only compared here
        except ImportError:
            print("usearch HNSW: skipped (pip install usearch==2.26.6 to compare it)")
            return
        started = time.perf_counter()
        graph = usearch.index.Index(ndim=DIM, metric="ip", dtype="f32", connectivity=16)
        graph.add(np.arange(size), unit, threads=args.threads)
        build = time.perf_counter() - started
        for ef in (64, 256):
            graph.expansion_search = ef

            def search(row: int, graph=graph) -> np.ndarray:
                keys = graph.search(unit[row], K + 1).keys
                return np.array([r for r in keys if r != row][:K])

            row(f"usearch HNSW16 ef {ef}", build, search)
        del graph
    else:
        print(f"HNSW (faiss, usearch): not built above --hnsw-max {args.hnsw_max:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--hnsw-max", type=int, default=3_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=1.0, help="spread around a taste")
    args = parser.parse_args()
    import faiss
    import torch

    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    started = time.perf_counter()
    for size in args.sizes:
        bench(size, args)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
