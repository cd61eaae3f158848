"""Shoppers benchmark: lookalike audiences against a known truth, neighbour latency, the map.

Each dataset is ingested into a scratch workspace and SASRec trained once through the CLI
(`--keep DIR` reuses it); a shopper's representation is the run's `shopper_vectors`, of
each kind (`history`, the default of the shopper tools, and `next`), reported apart.

Lookalike: a task is a set of truth shoppers; a seeded random half are the seeds and the
audience must find the other half (N shoppers) among the non-seed candidates. Per ranking,
macro over tasks: P@N (= R@N, N being the held-out size), its ratio to the base rate
(N / candidates; target ≥ 3×), R@2N, and on how many tasks it beats the simple baseline
(target: above it); every `lookalike` method, and which wins.
  - sample (10 epochs; truth `sample_data/user_truth.csv.gz`): one task per brand with ≥
    `--min-loyal` loyal shoppers: their preferred brand for its top-level category is that
    brand AND they have ≥ 3 events on it (everyone has a preferred brand per category,
    many never shop it). Candidates: everyone else. Baseline: events on the brand's
    top-level category. "brand events" ranks by events on the brand, the loyalty
    definition itself: a reference, not a fair baseline.
  - uci (UCI Online Retail, 4 epochs), "next purchase in a held-out product family": the
    run sees only the events before `CUTOFF` (a scratch CSV); the truth is the shoppers
    whose first basket (first timestamp) after it holds an item of the family. With no
    category or brand, a family is a product-type noun of the title (`FAMILIES`, plural
    included: MUG = titles with MUG or MUGS), which says what a product is (stock-code
    prefixes are introduction batches); broad ones (CARD, BAG, TIN, LIGHT: in over a
    quarter of next baskets, where 3× the base rate is out of reach) and those in under
    `MIN_FAMILY` next baskets are left out. Candidates: the run's shoppers who buy after
    the cutoff (the question is what their next basket holds, not whether they return).
    Seeds come from the truth, as on the sample (seeding with past family buyers would
    ask for the baseline's own signal). Baseline: family purchases before the cutoff.
  - "model score (reference)": a shopper's best score over the brand's or family's items
    (representation · item vector), what the vectors know with no seeds at all.

Speed, on the first dataset's vectors tiled to 100k / 1M / 3M shoppers plus seeded
gaussian noise (0.05 × each dimension's spread): p50 / p95 of `similar_shoppers` (k 10)
after a warm-up, against numpy brute force (target ≤ 50 ms at 100k); a 1,000-shopper
audience from 200 seeds at 100k by both methods; the map of 100k shoppers (`shopper_map`,
hover columns, `shopper_map_figure` of the 20,000 drawn, coloured by main category, and
`fig.to_json()`; target ≤ 3 s). With the load average: other work shows in the p95.

    python benchmarks/shoppers.py                                  # both datasets
    python benchmarks/shoppers.py --data sample --keep .bench/shoppers --verbose
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "sample_data"
UCI = ROOT.parent / "shared" / "datasets" / "uci_online_retail"
CUTOFF = "2011-10-01"
FAMILIES = ("MUG", "CANDLE", "SIGN", "CLOCK", "DOORMAT", "BUNTING", "NAPKIN", "CUSHION",
            "FRAME", "MIRROR", "BOWL", "PURSE", "LANTERN", "APRON", "NOTEBOOK", "PLATE",
            "JAR", "TOWEL", "GARLAND", "UMBRELLA")  # fmt: skip
MIN_FAMILY = 40
SIZES = (100_000, 1_000_000, 3_000_000)


@dataclass(frozen=True)
class Task:
    """One lookalike task: truth rows, candidate mask (U,), baseline scores (U,) by label."""

    name: str
    truth: np.ndarray
    universe: np.ndarray
    baselines: dict[str, np.ndarray]


def _trained_run(workspace: Path, name: str, events: Path, items: Path, epochs: int) -> str:
    """Ingest `name` and train SASRec through the CLI (once per workspace); the run id."""
    from seqrec_core.cli.main import main as cli
    from seqrec_core.ingest.pipeline import ingest
    from seqrec_core.runs import registry
    from seqrec_core.store import Workspace

    ws = Workspace.open(workspace)
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


def _load(workspace: Path, name: str, events: Path, items: Path, epochs: int) -> Any:
    """(LoadedRun, ShopperVectors) of the dataset's trained run."""
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.shoppers.representations import shopper_vectors
    from seqrec_core.store import Workspace

    run = _trained_run(workspace, name, events, items, epochs)
    loaded = load_run(Workspace.open(workspace), run)
    started = time.perf_counter()
    vectors = shopper_vectors(loaded)
    print(f"\n## {name}: run {run}, {len(vectors):,} shoppers × {vectors.dim} dims "
          f"(vectors in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    return loaded, vectors


def _per_user(rows: dict[str, int], frame: pd.DataFrame, key: str) -> dict[str, np.ndarray]:
    """(U,) event counts per value of `key`, shoppers in run order."""
    counts = frame[frame["user_id"].isin(rows)].groupby([key, "user_id"]).size()
    out = {}
    for value, part in counts.groupby(level=0):
        out[value] = np.zeros(len(rows))
        out[value][[rows[u] for u in part.index.get_level_values(1)]] = part.to_numpy()
    return out


def _model_scores(loaded: Any, vectors: Any, item_ids: set[str]) -> np.ndarray:
    """(U,) each shopper's best model score over `item_ids` (representation · item vector)."""
    vocab = loaded.prepared.data.items
    index = [vocab.index(i) for i in sorted(item_ids) if i in vocab]
    scores = vectors.vectors @ vectors.item_vectors[index].T
    bias = 0 if vectors.item_bias is None else vectors.item_bias[index]
    return (scores + bias).max(axis=1)


def sample_tasks(loaded: Any, vectors: Any, min_loyal: int) -> list[Task]:
    events = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str)
    items = pd.read_csv(SAMPLE / "items.csv", dtype=str)
    truth = pd.read_csv(SAMPLE / "user_truth.csv.gz", dtype=str)
    items["top"] = items["category"].str.split(" > ").str[0]
    events = events.merge(items[["item_id", "brand", "top"]], on="item_id")
    by_brand = _per_user(vectors.rows, events, "brand")
    by_top = _per_user(vectors.rows, events, "top")
    universe = np.ones(len(vectors), dtype=bool)
    tasks = []
    for brand, top in items.drop_duplicates("brand").set_index("brand")["top"].items():
        prefer = [vectors.rows[u] for u in truth["user_id"][truth[top] == brand]]
        loyal = np.array([r for r in prefer if by_brand[brand][r] >= 3], dtype=np.int64)
        if len(loyal) >= min_loyal:
            model = _model_scores(loaded, vectors, set(items["item_id"][items["brand"] == brand]))
            baselines = {"category events": by_top[top], "brand events (reference)": by_brand[brand],
                         "model score (reference)": model}  # fmt: skip
            tasks.append(Task(brand, loyal, universe, baselines))
    print(f"{len(tasks)} brands with ≥ {min_loyal} loyal shoppers (preferred brand, ≥ 3 events "
          f"on it); candidates: all {len(vectors):,} non-seed shoppers")  # fmt: skip
    return tasks


def _uci_events(folder: Path) -> tuple[pd.DataFrame, Path]:
    """All UCI events, and a scratch CSV of those before `CUTOFF` (written once)."""
    events = pd.read_csv(UCI / "events.csv.gz", dtype=str)
    path = folder / f"uci_before_{CUTOFF}.csv.gz"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        events[events["timestamp"] < CUTOFF].to_csv(path, index=False)
    return events, path


def uci_tasks(loaded: Any, vectors: Any, events: pd.DataFrame) -> list[Task]:
    titles = pd.read_csv(UCI / "items.csv", dtype=str).set_index("item_id")["title"]
    words = titles.fillna("").str.split().apply(set)
    bought = events[events["event_type"] == "purchase"]
    before, after = bought[bought["timestamp"] < CUTOFF], bought[bought["timestamp"] >= CUTOFF]
    after = after[after["user_id"].isin(vectors.rows)]
    basket = after[after["timestamp"] == after.groupby("user_id")["timestamp"].transform("min")]
    universe = np.zeros(len(vectors), dtype=bool)
    universe[[vectors.rows[u] for u in basket["user_id"].unique()]] = True
    tasks = []
    for family in FAMILIES:
        members = set(words.index[words.apply(lambda w, f=family: f in w or f"{f}S" in w)])
        hit = basket[basket["item_id"].isin(members)]["user_id"].unique()
        past = _per_user(vectors.rows, before[before["item_id"].isin(members)].assign(f=1), "f")
        if len(hit) >= MIN_FAMILY and len(hit) <= universe.sum() / 4:
            truth = np.array([vectors.rows[u] for u in hit], dtype=np.int64)
            scores = past.get(1, np.zeros(len(vectors)))
            model = _model_scores(loaded, vectors, members)
            baselines = {"family purchases before": scores, "model score (reference)": model}
            tasks.append(Task(family, truth, universe, baselines))
    print(f"{len(tasks)} product families (title nouns) in ≥ {MIN_FAMILY} next baskets after "
          f"{CUTOFF}; candidates: the {int(universe.sum()):,} run shoppers buying after it")  # fmt: skip
    return tasks


def _lookalike_scores(vectors: Any, seeds: np.ndarray, method: str) -> np.ndarray:
    from seqrec_core.shoppers.lookalike import lookalike_audience

    ids = [vectors.users[r] for r in seeds]
    members = lookalike_audience(vectors, ids, k=len(vectors), method=method).members
    scores = np.full(len(vectors), -np.inf)
    scores[[vectors.rows[u] for u in members["user_id"]]] = members["score"].to_numpy()
    return scores


def _hits(scores: np.ndarray, candidates: np.ndarray, held: np.ndarray, seed: int) -> np.ndarray:
    """Whether each candidate, best first (ties in a seeded random order), is held out."""
    tie = np.random.default_rng(seed).random(len(candidates))
    order = candidates[np.lexsort((tie, -scores[candidates]))]
    return np.isin(order, held)


def evaluate(vectors: Any, task: Task, seed: int) -> dict[str, Any]:
    from seqrec_core.shoppers.lookalike import METHODS

    shuffled = np.random.default_rng(seed).permutation(task.truth)
    seeds, held = shuffled[: len(shuffled) // 2], shuffled[len(shuffled) // 2 :]
    mask = task.universe.copy()
    mask[seeds] = False
    candidates = np.flatnonzero(mask)
    n = len(held)
    row: dict[str, Any] = {"task": task.name, "seeds": len(seeds), "N": n, "base": n / len(candidates)}  # fmt: skip
    rankers = {f"lookalike {m}": _lookalike_scores(vectors, seeds, m) for m in METHODS}
    for label, scores in {**rankers, **task.baselines}.items():
        hit = _hits(scores, candidates, held, seed)
        row[(label, "P@N")], row[(label, "R@2N")] = hit[:n].mean(), hit[: 2 * n].sum() / n
    return row


def _short(column: Any) -> str:
    """("lookalike nearest", "P@N") → "nearest P@N", for the per-task table."""
    if not isinstance(column, tuple):
        return str(column)
    return f"{column[0].removeprefix('lookalike ').split()[0]} {column[1]}"


def report(tasks: list[Task], vectors: Any, seed: int, verbose: bool) -> None:
    from seqrec_core.shoppers.lookalike import DEFAULT_METHOD, METHODS

    table = pd.DataFrame([evaluate(vectors, t, seed) for t in tasks])
    labels = list(dict.fromkeys(c[0] for c in table.columns if isinstance(c, tuple)))
    methods = labels[: len(METHODS)]
    simple = labels[len(METHODS)]  # the spec's simple baseline
    base = table["base"].mean()
    print(f"{'ranking (macro over tasks)':<30} {'P@N':>6} {'× base':>7} {'R@2N':>6} {'beats ' + simple:>32}")  # fmt: skip
    for label in labels:
        p = table[(label, "P@N")]
        wins = int((p > table[(simple, "P@N")]).sum())
        print(f"{label:<30} {p.mean():>6.3f} {p.mean() / base:>6.1f}× {table[(label, 'R@2N')].mean():>6.3f} "
              f"{f'{wins}/{len(table)} tasks' if label != simple else '':>32}")  # fmt: skip
    print(f"{'base rate':<30} {base:>6.3f}   (mean N {table['N'].mean():.0f}, seeds = N)")
    b = table[(simple, "P@N")].mean()
    for label in methods:
        p = table[(label, "P@N")].mean()
        print(f"{label}: {p / base:.1f}× the base rate (target ≥ 3×), {p / b:.2f}× the {simple} "
              f"baseline (target > 1×)")  # fmt: skip
    means = {label: table[(label, "P@N")].mean() for label in methods}
    winner = max(means, key=means.get)
    default = f"lookalike {DEFAULT_METHOD}"
    ahead = int((table[(default, "P@N")] >= table[[(m, "P@N") for m in methods]].max(axis=1)).sum())
    print(f"winner: {winner} (macro P@N {means[winner]:.3f}); the default, {default}, is best or "
          f"tied on {ahead} of {len(table)} tasks")  # fmt: skip
    if verbose:
        short = table.rename(columns=_short)
        print(short.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


def report_kinds(loaded: Any, tasks: list[Task], vectors: Any, args: argparse.Namespace) -> None:
    """`report` on each representation kind, the default first."""
    from seqrec_core.shoppers.representations import KIND_TITLES, KINDS, shopper_vectors

    for kind in KINDS:
        print(f"\n### representation: {kind}, {KIND_TITLES[kind]}")
        kept = vectors if kind == vectors.kind else shopper_vectors(loaded, kind=kind)
        report(tasks, kept, args.seed, args.verbose)


def _synthetic(vectors: Any, size: int, seed: int) -> Any:
    """`size` shoppers: the run's vectors tiled, plus seeded noise (0.05 × each dim's spread)."""
    from seqrec_core.shoppers.representations import ShopperVectors

    rng = np.random.default_rng(seed)
    source = vectors.vectors[np.arange(size) % len(vectors)]
    spread = vectors.vectors.std(axis=0) * np.float32(0.05)
    noisy = source + rng.standard_normal(source.shape, dtype=np.float32) * spread
    users = tuple(f"X{i:08d}" for i in range(size))
    return ShopperVectors(vectors.run_id, vectors.model, users, noisy, vectors.item_vectors)


def _times(call: Callable[[int], object], rows: np.ndarray) -> tuple[float, float]:
    """p50 and p95 ms of `call(row)` over `rows`, after three warm-up calls."""
    for r in rows[:3]:
        call(int(r))
    times = []
    for r in rows:
        started = time.perf_counter()
        call(int(r))
        times.append(time.perf_counter() - started)
    ordered = sorted(times)
    return statistics.median(times) * 1e3, ordered[int(0.95 * (len(ordered) - 1))] * 1e3


def _numpy_neighbours(unit: np.ndarray, row: int, k: int = 10) -> np.ndarray:
    sims = unit @ unit[row]
    sims[row] = -np.inf
    top = np.argpartition(-sims, k)[:k]
    return top[np.argsort(-sims[top])]


def latency(vectors: Any, queries: int, seed: int) -> None:
    from seqrec_core.shoppers.neighbours import similar_shoppers

    print(f"\n## speed on {vectors.run_id}'s vectors tiled with noise ({vectors.dim} dims)")
    for size in SIZES:
        big = _synthetic(vectors, size, seed)
        count = queries if size <= 100_000 else max(20, queries // 4)
        rows = np.random.default_rng(seed).choice(size, count, replace=False)
        torch_ms = _times(lambda r, v=big: similar_shoppers(v, v.users[r], k=10), rows)
        unit = big.unit.numpy()
        numpy_ms = _times(lambda r, u=unit: _numpy_neighbours(u, r), rows)
        print(f"similar_shoppers among {size:>9,}: p50 {torch_ms[0]:6.1f} ms, p95 {torch_ms[1]:6.1f} ms "
              f"({torch_ms[1] / 50:.2f}× the 50 ms target); numpy brute force p50 {numpy_ms[0]:6.1f}, "
              f"p95 {numpy_ms[1]:6.1f} ms (torch / numpy p50 {torch_ms[0] / numpy_ms[0]:.2f}×; "
              f"{count} queries, load {os.getloadavg()[0]:.1f})")  # fmt: skip
        if size == 100_000:
            _audience_times(big, seed)
        del big, unit


def _audience_times(big: Any, seed: int) -> None:
    """A 1,000-shopper audience from 200 random seeds, each method."""
    from seqrec_core.shoppers.lookalike import METHODS, lookalike_audience

    rng = np.random.default_rng(seed)
    seeds = [big.users[r] for r in rng.choice(len(big), 200, replace=False)]
    for method in METHODS:
        ms = _times(
            lambda _, m=method: lookalike_audience(big, seeds, k=1000, method=m), np.arange(5)
        )
        print(f"  lookalike {method:<10} 200 seeds → 1,000 of {len(big):,}: p50 {ms[0]:.0f} ms, "
              f"p95 {ms[1]:.0f} ms (5 runs after 3 warm-up)")  # fmt: skip


def map_time(vectors: Any, loaded: Any, seed: int) -> None:
    from seqrec_core.figures.shoppers import shopper_map_figure
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.shoppers.shopper_map import shopper_map
    from seqrec_core.shoppers.tastes import shopper_table, shopper_tastes, taste_lines

    tastes = shopper_tastes(RunRecommender.from_run(loaded))
    big = _synthetic(vectors, 100_000, seed)  # fresh: its unit vectors are not cached yet
    marks = [time.perf_counter()]
    drawn = shopper_map(big, seed=seed)
    marks.append(time.perf_counter())
    table = shopper_table(tastes, drawn.rows % len(vectors))
    hover = table.drop(columns="user_id").assign(taste=taste_lines(table))
    points = pd.concat([drawn.points.reset_index(drop=True), hover], axis=1)  # as the page
    marks.append(time.perf_counter())
    fig = shopper_map_figure(points, colour="main_category", colour_label="Main category",
                             total=drawn.total, explained=drawn.explained)  # fmt: skip
    marks.append(time.perf_counter())
    size = len(fig.to_json())
    marks.append(time.perf_counter())
    parts = np.diff(marks)
    print(f"map of {drawn.total:,} shoppers, {len(drawn.rows):,} drawn: {marks[-1] - marks[0]:.2f} s "
          f"(target ≤ 3 s; PCA + sample {parts[0]:.2f}, hover columns {parts[1]:.2f}, figure "
          f"{parts[2]:.2f}, to_json {parts[3]:.2f} s, {size / 2**20:.1f} MiB; "
          f"load {os.getloadavg()[0]:.1f})")  # fmt: skip


def _kept_neighbours(unit: np.ndarray, points: np.ndarray, k: int = 10) -> float:
    """Mean share of each shopper's k nearest (cosine) that are among its k nearest on the map."""
    from sklearn.neighbors import NearestNeighbors

    near = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(unit)
    before = near.kneighbors(unit, return_distance=False)[:, 1:]
    after = (
        NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points, return_distance=False)
    )
    return float(
        np.mean([len(set(a) & set(b)) / k for a, b in zip(before, after[:, 1:], strict=True)])
    )


def projections(vectors: Any, seed: int, size: int) -> None:
    """PCA (the map's) against UMAP (when umap-learn is installed): seconds for `size`
    synthetic shoppers, and on the run's real shoppers the share of each one's 10 nearest
    neighbours that stay its 10 nearest on the map."""
    from sklearn.decomposition import PCA

    try:
        import umap  # not a dependency of the app: only compared here
    except ImportError:
        print("projection: UMAP skipped (pip install umap-learn==0.5.12 to compare it)")
        return
    real = vectors.unit.numpy()
    big = _synthetic(vectors, size, seed).unit.numpy()
    makers = {
        "PCA": lambda: PCA(2, random_state=seed),
        "UMAP": lambda: umap.UMAP(random_state=seed),
    }
    for name, make in makers.items():
        started = time.perf_counter()
        make().fit_transform(big)
        took = time.perf_counter() - started
        kept = _kept_neighbours(real, make().fit_transform(real))
        print(f"projection {name:<5} {size:,} shoppers in {took:.1f} s; on the run's "
              f"{len(real):,} shoppers {kept:.0%} of each one's 10 nearest stay nearest on the map")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["sample", "uci", "both"], default="both")
    parser.add_argument("--keep", type=Path, help="workspace folder to reuse between runs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-loyal", type=int, default=20, help="loyal shoppers per brand")
    parser.add_argument("--queries", type=int, default=200, help="neighbour queries at 100k")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="the per-task table")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    first = None
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.data in ("sample", "both"):
            first = _load(folder / "sample", "sample", SAMPLE / "events.csv.gz", SAMPLE / "items.csv", 10)  # fmt: skip
            report_kinds(first[0], sample_tasks(*first, args.min_loyal), first[1], args)
        if args.data in ("uci", "both"):
            events, path = _uci_events(folder / "uci")
            loaded = _load(folder / "uci", f"uci_before_{CUTOFF}", path, UCI / "items.csv", 4)
            report_kinds(loaded[0], uci_tasks(*loaded, events), loaded[1], args)
            first = first or loaded
        if not args.skip_speed and first is not None:
            latency(first[1], args.queries, args.seed)
            map_time(first[1], first[0], args.seed)
            projections(first[1], args.seed, 20_000)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
