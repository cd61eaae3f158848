"""Amazon Beauty benchmark: quality and speed of every model on the standard protocol.

Leave-one-out, full ranking over all 12,101 items, history items excluded, max length 50
(see ../shared/datasets/amazon_beauty/README.md). Each variant trains in its own child
process, so the peak memory printed is its own. Prints test HR@10/NDCG@10/HR@20/NDCG@20,
seconds per epoch, epochs to best, peak memory, the per-epoch validation curve with
cumulative wall time, and for sasrec/gru4rec the wall time to reach RecBole's best
validation NDCG@10 (../shared/anchors/recbole/results/*.json, same data and machine).

A variant is a model name with optional settings in brackets, separated by ';':

    python benchmarks/beauty.py --threads 2                      # all five models, 45 min each
    python benchmarks/beauty.py --models 'sasrec,sasrec[use_side_features=false]' --minutes 20
    python benchmarks/beauty.py --data sample --models 'sasrec,sasrec[use_event_types=false],pop'

`--data sample` runs on the bundled sample shop instead (it has view/cart/purchase events,
so the effect of event-type embeddings shows there; Beauty has one event type).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parents[1]
SHARED = ROOT.parent / "shared"
BEAUTY = SHARED / "datasets" / "amazon_beauty"
SAMPLE = ROOT / "sample_data"
RECBOLE = SHARED / "anchors" / "recbole" / "results"
DEFAULT_MODELS = "sasrec,bert4rec,gru4rec,pop,cooc"
_VARIANT = re.compile(r"^(?P<model>[a-z0-9_]+)(\[(?P<settings>[^\]]*)\])?$")


def parse_variant(text: str) -> tuple[str, list[str]]:
    """`sasrec[dropout=0.3;hidden_size=128]` → ("sasrec", ["dropout=0.3", "hidden_size=128"])."""
    match = _VARIANT.match(text.strip())
    if not match:
        raise SystemExit(f"bad variant {text!r}: write model or model[field=value;...]")
    settings = [s.strip() for s in (match["settings"] or "").split(";") if s.strip()]
    return match["model"], settings


def _load(data: str):
    import pandas as pd

    if data == "beauty":
        events = pd.read_csv(BEAUTY / "events.csv", dtype=str)
        catalog = pd.read_csv(BEAUTY / "items.csv", dtype=str)
    else:
        events = pd.read_csv(SAMPLE / "events.csv.gz", dtype=str)
        catalog = pd.read_csv(SAMPLE / "items.csv", dtype=str)
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    return events, catalog


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Train and test one variant in this process; the answer is JSON-ready."""
    sys.path.insert(0, str(ROOT))
    import torch

    from seqrec_core.cli.training import split_settings
    from seqrec_core.data.prepare import build_model_for, prepare_frames
    from seqrec_core.training.devices import seed_everything
    from seqrec_core.training.evaluation import evaluate, training_popularity
    from seqrec_core.training.loop import TrainConfig, train

    torch.set_num_threads(args.threads)
    model_name, settings = parse_variant(args.one)
    started = time.perf_counter()
    prepared = prepare_frames(*_load(args.data))
    prep_s = time.perf_counter() - started
    model_settings, train_settings = split_settings(model_name, settings)
    seed_everything(args.seed)
    model = build_model_for(model_name, prepared.data, prepared.features, **model_settings)
    config = TrainConfig(
        **{"max_minutes": args.minutes, "seed": args.seed, "device": args.device, **train_settings}
    )
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()

    def progress(event: Any) -> None:
        if event.kind == "epoch" and event.metrics:
            print(
                f"  [{args.one}] epoch {event.epoch:3d}  loss {event.loss:.4f}  "
                f"valid NDCG@10 {event.metrics['NDCG@10']:.4f}  t={event.elapsed_s:.0f}s",
                file=sys.stderr,
                flush=True,
            )

    result = train(model, prepared.split, config, callback=progress)
    popularity = training_popularity(prepared.split, prepared.data.items.num_tokens)
    test = evaluate(
        result.model, prepared.split.test, item_popularity=popularity, device=result.device
    )
    cuda_peak = torch.cuda.max_memory_allocated() / 2**20 if result.device == "cuda" else None
    train_times = sorted(r.train_s for r in result.history)
    eval_times = sorted(r.eval_s for r in result.history)
    return {
        "variant": args.one,
        "model": model_name,
        "data": args.data,
        "config": result.model.config.to_dict(),
        "train_config": config.to_dict(),
        "device": result.device,
        "device_name": torch.cuda.get_device_name() if result.device == "cuda" else "cpu",
        "threads": args.threads,
        "prep_s": prep_s,
        "seconds": result.seconds,
        "stopped_by": result.stopped_by,
        "epochs": len(result.history),
        "best_epoch": result.best_epoch,
        "s_per_epoch": train_times[len(train_times) // 2] if train_times else 0.0,
        "eval_s": eval_times[len(eval_times) // 2] if eval_times else 0.0,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_cuda_mib": cuda_peak,
        "valid": result.best_metrics,
        "test": test.metrics,
        "test_by_history_length": test.by_history_length,
        "test_by_target_count": test.by_target_count,
        "curve": [
            {
                "epoch": r.epoch,
                "loss": r.loss,
                "elapsed_s": r.elapsed_s,
                "NDCG@10": r.metrics["NDCG@10"],
                "HR@10": r.metrics["HR@10"],
            }
            for r in result.history
        ],
    }


def recbole_anchor(model: str) -> tuple[float, float] | None:
    """RecBole's best validation NDCG@10 for `model` and the wall time it first reached it."""
    path = RECBOLE / f"{model}.json"
    if not path.is_file():
        return None
    log = json.loads(path.read_text())["epochs_log"]
    best = max(e["valid_score"] for e in log)
    elapsed = 0.0
    for e in log:
        elapsed += e["train_s"] + e["valid_s"]
        if e["valid_score"] >= best:
            break
    return best, elapsed


def report(results: list[dict[str, Any]]) -> None:
    """Print the tables (Markdown)."""
    print(
        "\n| variant | device | test HR@10 | test NDCG@10 | test HR@20 | test NDCG@20 | "
        "best valid NDCG@10 | s/epoch | eval s | epochs (best) | stopped by | peak RSS MiB | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        t = r["test"]
        print(
            f"| {r['variant']} | {r['device']}×{r['threads']} | {t['HR@10']:.4f} | "
            f"{t['NDCG@10']:.4f} | {t['HR@20']:.4f} | {t['NDCG@20']:.4f} | "
            f"{r['valid']['NDCG@10']:.4f} | {r['s_per_epoch']:.1f} | {r['eval_s']:.1f} | "
            f"{r['epochs']} ({r['best_epoch'] + 1}) | {r['stopped_by']} | "
            f"{r['peak_rss_mib']:.0f} | {r['seconds']:.0f} |"
        )
    print("\nTest NDCG@10 by how often the target item was seen in training:")
    buckets = list(dict.fromkeys(b for r in results for b in r["test_by_target_count"]))
    print("| variant | " + " | ".join(f"{b} times" for b in buckets) + " |")
    print("|---|" + "---|" * len(buckets))
    for r in results:
        cells = [r["test_by_target_count"].get(b) for b in buckets]
        shown = [f"{c['NDCG@10']:.4f} (n={c['examples']:.0f})" if c else "–" for c in cells]
        print(f"| {r['variant']} | " + " | ".join(shown) + " |")
    for r in results:
        if len(r["curve"]) < 2:
            continue
        print(f"\n{r['variant']} validation curve (full ranking, history excluded):")
        print("| epoch | loss | valid HR@10 | valid NDCG@10 | cumulative wall s |")
        print("|---|---|---|---|---|")
        for c in r["curve"]:
            print(
                f"| {c['epoch'] + 1} | {c['loss']:.4f} | {c['HR@10']:.4f} | "
                f"{c['NDCG@10']:.4f} | {c['elapsed_s']:.0f} |"
            )
        anchor = recbole_anchor(r["model"]) if r["data"] == "beauty" else None
        if anchor is not None:
            best, recbole_s = anchor
            reached = next((c for c in r["curve"] if c["NDCG@10"] >= best), None)
            ours = (
                f"{reached['elapsed_s']:.0f} s (epoch {reached['epoch'] + 1}), "
                f"{recbole_s / reached['elapsed_s']:.1f}x sooner"
                if reached
                else "not reached"
            )
            print(
                f"RecBole {r['model']} best valid NDCG@10 {best:.4f}, first reached after "
                f"{recbole_s:.0f} s; {r['variant']}: {ours}; our best {r['valid']['NDCG@10']:.4f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated variants")
    parser.add_argument("--data", choices=("beauty", "sample"), default="beauty")
    parser.add_argument("--minutes", type=float, default=45.0, help="training budget per variant")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: one variant
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return 0
    variants = [v for v in re.split(r",(?![^\[]*\])", args.models) if v.strip()]
    results = []
    for variant in variants:
        parse_variant(variant)
        command = [
            sys.executable,
            __file__,
            "--one",
            variant,
            "--data",
            args.data,
            "--minutes",
            str(args.minutes),
            "--threads",
            str(args.threads),
            "--device",
            args.device,
            "--seed",
            str(args.seed),
        ]
        print(f"running {variant} ...", file=sys.stderr, flush=True)
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if args.json:  # written after every variant, so a long run keeps what it measured
            args.json.write_text(json.dumps(results, indent=2))
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
