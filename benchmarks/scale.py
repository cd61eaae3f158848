"""Scale benchmark: a real shop's month (1M, 10M, optionally 40M events) through every stage.

Generates seeded store logs in the shape of a multi-category store export: Zipf products
(about one product per 41 events, as in the 10M-event store log of the scale issue: 242k
products), heavy-tailed shoppers (one per 6.7 events, lognormal activity, a few bots),
a view → cart → purchase funnel, three-level category paths and brands, each shopper
mostly inside a favourite category. Then, per size, each stage runs the CLI in its own
child process and prints its wall time and peak RSS (`os.wait4`: that child only), with
the ratio to the first (smallest) size, which shows how cost grows:

- `ingest`: `ingest PATH --items CATALOG` (read, validate, store); `--source` writes the
  events as one CSV (default), one Parquet file or a folder of day partitions;
- `train`: SASRec for `--train-minutes` with its defaults (the loss chosen from the
  catalog size, validation on its fixed sample of shoppers) and the final test on a
  sample of 20,000 shoppers, reporting training sequences per second and the seconds of
  one validation; the wall time includes loading the data and the test;
- `profile`: one shopper's knowledge-graph profile (`profile --user`), the most active one
  after the bots, twice: the first computes the shop's aggregates once for the dataset
  (`first profile`), the second is what every later profile costs;
- `serve`: what the app's server does for a shopper once the trained run is loaded (one
  torch thread, as `devices.use_serve_threads`): the median of 5 recommendations with
  their "because …" reasons, the knowledge-graph reasons of that list, and a whole
  explanation (IG 50 steps, occlusion, ablation, deletion curves, the counterfactual
  search), for the most active shopper and for a 2,000-event bot (needs `train`);
- `report`: the review report (`report --users SHOPPER --audit 0`) of the newest finished
  run for that shopper: loading the run, their explanation and the knowledge-graph link
  beside each recommendation (needs `train`).

Targets at 10M events on this 2-core, 24 GB CPU (the scale issue): ingest ≤ 60 s and
≤ 2 GB, SASRec ≥ 2,000 examples/s, one validation ≤ 60 s, one profile ≤ 2 s and ≤ 2 GB,
one recommendation with reasons ≤ 300 ms, Explain (IG, 50 steps) ≤ 3 s.

    python benchmarks/scale.py                          # 1M and 10M events
    python benchmarks/scale.py --events 1000000 --stages ingest,train --keep /tmp/scale
    python benchmarks/scale.py --events 10000000 --stages ingest --source parquet-folder
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parents[1]
EVENTS_PER_PRODUCT = 41.3  # 10M events / 242,223 products in the store log
EVENTS_PER_SHOPPER = 6.7  # 10M events / 1,498,068 shoppers
STAGES = ("ingest", "train", "profile", "serve", "report")
BOT = "U0"  # `generate` makes the first shoppers bots of 2,000 events


def generate(
    events: int, folder: Path, source: str = "csv", seed: int = 0
) -> tuple[Path, Path, str]:
    """Write the events (`source`: `events.csv`; `events.parquet`; or `events/`, a folder
    of Parquet files partitioned by day, as a warehouse or Spark job exports them) and
    `items.csv` of a seeded store log; returns them and the most active (non-bot)
    shopper's id."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_items = max(int(events / EVENTS_PER_PRODUCT), 100)
    n_users = max(int(events / EVENTS_PER_SHOPPER), 10)
    n_categories, n_brands = 400, 3000
    # Catalog: a category path of three levels, a brand, a price.
    category = rng.integers(0, n_categories, n_items)
    top, middle = category // 40, category // 8
    paths = np.array(
        [f"dept{t} > aisle{m} > shelf{c}" for t, m, c in zip(top, middle, category, strict=True)]
    )
    catalog = pd.DataFrame(
        {
            "item_id": [f"P{i:07d}" for i in range(n_items)],
            "category": paths,
            "brand": [f"brand{b}" for b in rng.zipf(1.3, n_items) % n_brands],
            "price": np.round(rng.lognormal(3.2, 1.0, n_items), 2),
        }
    )
    # Shoppers: lognormal activity (most shop a few times, some a lot), scaled to `events`.
    activity = rng.lognormal(0.0, 1.2, n_users)
    counts = np.maximum(1, np.round(activity / activity.sum() * events)).astype(np.int64)
    counts[: max(n_users // 20_000, 1)] = 2_000  # a few bots and crawlers
    user = np.repeat(np.arange(n_users), counts)[:events]
    total = len(user)
    # Products: Zipf popularity; 70% of a shopper's events in their favourite category.
    popularity = rng.permutation(n_items)
    global_pick = popularity[np.minimum(rng.zipf(1.15, total) - 1, n_items - 1)]
    by_category = np.argsort(category, kind="stable")
    starts = np.searchsorted(category[by_category], np.arange(n_categories))
    sizes = np.diff(np.append(starts, n_items))
    favourite = rng.integers(0, n_categories, n_users)[user]
    within = np.minimum(rng.zipf(1.3, total) - 1, np.maximum(sizes[favourite] - 1, 0))
    local_pick = by_category[np.minimum(starts[favourite] + within, n_items - 1)]
    item = np.where(rng.random(total) < 0.7, local_pick, global_pick)
    # The funnel: views, then some carts, then some purchases.
    kind = np.array(["view", "cart", "purchase"])[
        np.searchsorted([0.9, 0.97], rng.random(total), side="right")
    ]
    month = np.datetime64("2026-10-01T00:00:00", "s")
    seconds = rng.integers(0, 31 * 86_400, total)
    table = pa.table(
        {
            "user_id": pa.array(np.char.add("U", user.astype(str))),
            "item_id": pa.array(catalog["item_id"].to_numpy()[item]),
            "timestamp": pa.array(month + seconds.astype("timedelta64[s]")),
            "event_type": pa.array(kind),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    items_path = folder / "items.csv"
    if source == "csv":
        events_path = folder / "events.csv"
        pacsv.write_csv(table, events_path)
    elif source == "parquet":
        events_path = folder / "events.parquet"
        pq.write_table(table, events_path)
    else:
        events_path = folder / "events"
        shutil.rmtree(events_path, ignore_errors=True)
        day = pa.array(np.datetime_as_string(month + (seconds // 86_400).astype("timedelta64[D]")))
        pq.write_to_dataset(table.append_column("day", day), events_path, partition_cols=["day"])
    catalog.to_csv(items_path, index=False)
    active = np.argsort(-counts)[max(n_users // 20_000, 1)]  # the most active after the bots
    return events_path, items_path, f"U{active}"


def _median_s(run: Any, times: int = 5) -> float:
    """Median seconds of `times` calls of `run` after one warm-up call."""
    import statistics

    run()
    spent = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def serve_figures(ws: str, name: str, shoppers: list[str]) -> dict[str, Any]:
    """Seconds of the server's per-shopper work on the dataset's newest trained run."""
    sys.path.insert(0, str(ROOT))
    from seqrec_core.data.shopper_events import read_shopper_events
    from seqrec_core.explain.explanation import explain_user
    from seqrec_core.explain.options import ExplainOptions
    from seqrec_core.kg.local_graph import shopper_graph
    from seqrec_core.kg.shop_aggregates import cached_aggregates
    from seqrec_core.recommend.graph_reasons import graph_connections
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.runs import registry
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.store import Workspace
    from seqrec_core.training.devices import use_serve_threads

    use_serve_threads()
    workspace = Workspace.open(ws)
    run = next(r for r in registry.list_runs(workspace, name) if r.has_model).run_id
    start = time.perf_counter()
    loaded = load_run(workspace, run)
    engine = RunRecommender.from_run(loaded)
    info = workspace.get_dataset(name)
    shop = cached_aggregates(info.events_path, info.items_path)
    figures: dict[str, Any] = {"load_s": time.perf_counter() - start}
    catalog = loaded.prepared.catalog
    model, data = loaded.model.eval(), loaded.prepared.data
    ig_only = ExplainOptions(methods=("ig",), n_steps=50, faithfulness=False, counterfactual=False)
    for user in shoppers:
        history = engine.user_history(user) or ()
        listed = engine.recommend(history, user=user)

        def reasons(user: str = user, listed: Any = listed) -> None:
            events = read_shopper_events(info.events_path, user)
            kg = shopper_graph(shop, events, also=[i.item_id for i in listed.items])
            graph_connections(kg, listed)

        figures[user] = {
            "events": len(history),
            "recommend_s": _median_s(lambda h=history, u=user: engine.recommend(h, user=u)),
            "graph_reasons_s": _median_s(reasons),
            "ig_s": _median_s(
                lambda u=user: explain_user(model, data, u, catalog=catalog, options=ig_only),
                times=3,
            ),
            "explain_s": _median_s(
                lambda u=user: explain_user(model, data, u, catalog=catalog), times=3
            ),
        }
    return figures


def run_stage(args: list[str]) -> tuple[float, float, dict[str, Any]]:
    """Run the CLI with `args` in a child; (wall s, peak RSS MiB, its JSON answer)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "seqrec_core", *args, "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    answer = json.loads(out or b"{}")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed: {answer.get('error', out[-400:])}")
    return wall, usage.ru_maxrss / 1024, answer


def measure(
    events: int, folder: Path, stages: list[str], minutes: float, source: str = "csv"
) -> dict[str, Any]:
    """Every stage's figures on a generated log of `events` events (written as `source`)."""
    start = time.perf_counter()
    # Generated in a child: a child's peak RSS starts at its parent's (Linux keeps it
    # across fork and exec), so the parent must never hold the generated log.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        events_path, items_path, shopper = pool.submit(
            generate, events, folder / "data", source
        ).result()
    files = [events_path] if events_path.is_file() else list(events_path.rglob("*.parquet"))
    size_mb = sum(path.stat().st_size for path in files) / 2**20
    print(
        f"\n{events:,} events: generated {size_mb:,.0f} MiB ({source}, {len(files)} files) in "
        f"{time.perf_counter() - start:.0f} s"
    )
    ws, name = str(folder / "ws"), "shop"
    figures: dict[str, Any] = {}
    if "ingest" in stages:
        wall, rss, answer = run_stage(
            [
                "ingest",
                str(events_path),
                "--workspace",
                ws,
                "--name",
                name,
                "--items",
                str(items_path),
                "--replace",
            ]
        )
        figures["ingest"] = {
            "s": wall,
            "rss": rss,
            "users": answer["users"],
            "items": answer["items"],
        }
    if "train" in stages:
        wall, rss, answer = run_stage(
            [
                "train",
                "--workspace",
                ws,
                "--dataset",
                name,
                "--model",
                "sasrec",
                "--max-minutes",
                str(minutes),
                "--set",
                "test_sample=20000",
                "--item-text",
                "off",
            ]
        )
        curve = answer.get("curve") or [{}]
        figures["train"] = {
            "s": wall,
            "rss": rss,
            "examples_per_s": answer.get("examples_per_s", 0.0),
            "validation_s": curve[0].get("eval_s", float("nan")),
            "test_sample": answer.get("test_sample"),
            "validation": answer.get("validation"),
            "loss": (answer.get("training_loss") or {}).get("loss"),
        }
    if "profile" in stages:
        # The first profile of a dataset computes the shop's aggregates and keeps them
        # beside it (`seqrec_core.kg.shop_aggregates`); every later one reads them.
        for stage in ("first profile", "profile"):
            wall, rss, _ = run_stage(
                ["profile", "--workspace", ws, "--dataset", name, "--user", shopper]
            )
            figures[stage] = {"s": wall, "rss": rss}
    if "serve" in stages:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            figures["serve"] = pool.submit(serve_figures, ws, name, [shopper, BOT]).result()
    if "report" in stages:
        _, _, listed = run_stage(["runs", "--workspace", ws, "--dataset", name])
        run = next(r["run"] for r in listed["runs"] if r["status"] == "succeeded")
        out = folder / "review.html"
        wall, rss, _ = run_stage(
            ["report", "--workspace", ws, "--run", run, "--users", shopper, "--audit", "0",
             "--out", str(out)]
        )  # fmt: skip
        figures["report"] = {"s": wall, "rss": rss}
    return figures


def _shoppers(sample: dict[str, int] | None) -> str:
    """`10,000 of 1,498,068 shoppers`."""
    sample = sample or {}
    return f"{sample.get('shoppers', 0):,} of {sample.get('of', 0):,} shoppers"


def _print(sizes: list[int], results: list[dict[str, Any]]) -> None:
    first = results[0]
    print("\n| events | stage | wall s | peak RSS MiB | × wall vs first | × RSS vs first | more |")
    print("|---|---|---|---|---|---|---|")
    for events, figures in zip(sizes, results, strict=True):
        for stage, row in figures.items():
            if stage == "serve":
                continue
            base = first.get(stage, row)
            more = ""
            if stage == "train":
                more = (
                    f"{row['examples_per_s']:,.0f} examples/s ({row['loss']}); one validation "
                    f"{row['validation_s']:.1f} s on {_shoppers(row['validation'])}; test on "
                    f"{_shoppers(row['test_sample'])}"
                )
            if stage == "ingest":
                more = f"{row['users']:,} shoppers, {row['items']:,} products"
            print(
                f"| {events:,} | {stage} | {row['s']:.1f} | {row['rss']:,.0f} | "
                f"{row['s'] / base['s']:.2f} | {row['rss'] / base['rss']:.2f} | {more} |"
            )


def _print_serve(sizes: list[int], results: list[dict[str, Any]]) -> None:
    rows = [(n, f["serve"]) for n, f in zip(sizes, results, strict=True) if "serve" in f]
    if not rows:
        return
    print("\n| events | shopper | events of theirs | recommend + reasons ms | graph reasons ms "
          "| explanation, IG 50 steps s | whole explanation s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for events, serve in rows:
        for user, row in serve.items():
            if user == "load_s":
                continue
            print(f"| {events:,} | {user} | {row['events']:,} | {row['recommend_s'] * 1e3:.0f} "
                  f"| {row['graph_reasons_s'] * 1e3:.0f} | {row['ig_s']:.2f} "
                  f"| {row['explain_s']:.2f} |")  # fmt: skip
        print(f"(run loaded in {serve['load_s']:.1f} s at {events:,} events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default="1000000,10000000", help="comma-separated sizes")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--train-minutes", type=float, default=2.0)
    parser.add_argument("--keep", type=Path, help="keep data and workspaces here")
    parser.add_argument(
        "--source",
        choices=("csv", "parquet", "parquet-folder"),
        default="csv",
        help="how the events are written: one CSV, one Parquet file, or a folder of "
        "Parquet files partitioned by day",
    )
    args = parser.parse_args()
    stages = [s for s in args.stages.split(",") if s]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(unknown)}: choose from {', '.join(STAGES)}")
    sizes = [int(n) for n in args.events.split(",")]
    with tempfile.TemporaryDirectory(prefix="seqrec-scale-") as scratch:
        root = args.keep or Path(scratch)
        results = [
            measure(n, root / f"e{n}", stages, args.train_minutes, args.source) for n in sizes
        ]
    _print(sizes, results)
    _print_serve(sizes, results)


if __name__ == "__main__":
    main()
