"""Amazon Beauty benchmark: quality and speed of every model on the standard protocol.

Leave-one-out, full ranking over all 12,101 items, history items excluded, max length 50
(see ../shared/datasets/amazon_beauty/README.md). Each model trains in its own child
process, so the peak memory printed is that model's own. Prints test HR@10/NDCG@10/
HR@20/NDCG@20, seconds per epoch, epochs to best, peak memory, the per-epoch validation
curve with cumulative wall time, and for sasrec the wall time to reach RecBole's best
validation NDCG@10 (from ../shared/anchors/recbole/results/sasrec.json) on the same data.

    python benchmarks/beauty.py --models sasrec,pop,cooc --minutes 45 --threads 2
    python benchmarks/beauty.py --models sasrec --minutes 5 --set use_side_features=False
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "datasets" / "amazon_beauty"
RECBOLE = SHARED / "anchors" / "recbole" / "results" / "sasrec.json"


def _value(text: str) -> Any:
    """`--set` values: JSON where it parses (numbers, true/false), else the string."""
    for candidate in (text, text.lower()):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return text


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """Train and test one model in this process; the answer is JSON-ready."""
    sys.path.insert(0, str(ROOT))
    import pandas as pd
    import torch

    from seqrec_core.devices import seed_everything
    from seqrec_core.evaluate import evaluate
    from seqrec_core.models import MODELS
    from seqrec_core.prepare import build_model_for
    from seqrec_core.sequences import build_user_sequences, leave_one_out_split
    from seqrec_core.train import TrainConfig, train
    from seqrec_core.vocab import item_feature_table

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    events = pd.read_csv(DATA / "events.csv", dtype={"user_id": str, "item_id": str})
    catalog = pd.read_csv(DATA / "items.csv", dtype=str)
    data = build_user_sequences(events)
    split = leave_one_out_split(data.sequences)
    features = item_feature_table(catalog, data.items)
    prep_s = time.perf_counter() - started
    overrides = dict(_value_pair(p) for p in args.set)
    train_fields = set(TrainConfig.__dataclass_fields__)
    model_fields = set(MODELS[args.one][0].__dataclass_fields__)
    train_settings = {k: v for k, v in overrides.items() if k in train_fields}
    model_settings = {k: v for k, v in overrides.items() if k in model_fields}
    seed_everything(args.seed)
    model = build_model_for(args.one, data, features, **model_settings)
    config = TrainConfig(
        max_minutes=args.minutes, seed=args.seed, device=args.device, **train_settings
    )
    if args.device != "cpu" and torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()

    def progress(event: Any) -> None:
        if event.kind == "epoch" and event.metrics:
            print(
                f"  [{args.one}] epoch {event.epoch:3d}  loss {event.loss:.4f}  "
                f"valid NDCG@10 {event.metrics['NDCG@10']:.4f}  t={event.elapsed_s:.0f}s",
                file=sys.stderr,
                flush=True,
            )

    result = train(model, split, config, callback=progress)
    popularity = torch.bincount(
        torch.from_numpy(split.train.items), minlength=data.items.size
    ).float()
    test = evaluate(result.model, split.test, item_popularity=popularity, device=result.device)
    cuda_peak = torch.cuda.max_memory_allocated() / 2**20 if result.device == "cuda" else None
    train_times = sorted(r.train_s for r in result.history)
    return {
        "model": args.one,
        "config": result.model.config.to_dict(),
        "train_config": config.to_dict(),
        "device": result.device,
        "threads": args.threads,
        "prep_s": prep_s,
        "seconds": result.seconds,
        "stopped_by": result.stopped_by,
        "epochs": len(result.history),
        "best_epoch": result.best_epoch,
        "s_per_epoch": train_times[len(train_times) // 2] if train_times else 0.0,
        "eval_s": sorted(r.eval_s for r in result.history)[len(result.history) // 2],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_cuda_mib": cuda_peak,
        "valid": result.best_metrics,
        "test": test.metrics,
        "test_by_history_length": test.by_history_length,
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


def _value_pair(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    return key.strip(), _value(value.strip())


def _recbole_time_to(target: float) -> tuple[float, float] | None:
    """RecBole's best validation NDCG@10 and the wall time it took to first reach it."""
    if not RECBOLE.is_file():
        return None
    log = json.loads(RECBOLE.read_text())["epochs_log"]
    best = max(e["valid_score"] for e in log)
    elapsed = 0.0
    for e in log:
        elapsed += e["train_s"] + e["valid_s"]
        if e["valid_score"] >= (target if target else best):
            return best, elapsed
    return best, elapsed


def report(results: list[dict[str, Any]]) -> None:
    """Print the tables."""
    print(
        "\n| model | device | test HR@10 | test NDCG@10 | test HR@20 | test NDCG@20 | "
        "s/epoch | eval s | epochs (best) | stopped by | peak RSS MiB | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        t = r["test"]
        print(
            f"| {r['model']} | {r['device']}×{r['threads']} | {t['HR@10']:.4f} | "
            f"{t['NDCG@10']:.4f} | {t['HR@20']:.4f} | {t['NDCG@20']:.4f} | "
            f"{r['s_per_epoch']:.1f} | {r['eval_s']:.1f} | {r['epochs']} ({r['best_epoch']}) | "
            f"{r['stopped_by']} | {r['peak_rss_mib']:.0f} | {r['seconds']:.0f} |"
        )
    recbole = _recbole_time_to(0.0)
    for r in results:
        if len(r["curve"]) < 2:
            continue
        print(f"\n{r['model']} validation curve (full ranking, history excluded):")
        print("| epoch | loss | valid HR@10 | valid NDCG@10 | cumulative wall s |")
        print("|---|---|---|---|---|")
        for c in r["curve"]:
            print(
                f"| {c['epoch']} | {c['loss']:.4f} | {c['HR@10']:.4f} | {c['NDCG@10']:.4f} | "
                f"{c['elapsed_s']:.0f} |"
            )
        if recbole is not None:
            best, recbole_s = recbole
            reached = next((c for c in r["curve"] if c["NDCG@10"] >= best), None)
            ours = (
                f"{reached['elapsed_s']:.0f} s (epoch {reached['epoch']})"
                if reached
                else "not reached"
            )
            print(
                f"RecBole SASRec best valid NDCG@10 {best:.4f} first reached after {recbole_s:.0f} s; "
                f"{r['model']}: {ours}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="sasrec,pop,cooc")
    parser.add_argument("--minutes", type=float, default=45.0, help="training budget per model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="model or training config override, e.g. dropout=0.3",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: one model
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return 0
    results = []
    for name in args.models.split(","):
        command = [
            sys.executable,
            __file__,
            "--one",
            name,
            "--minutes",
            str(args.minutes),
            "--threads",
            str(args.threads),
            "--device",
            args.device,
            "--seed",
            str(args.seed),
        ]
        for item in args.set:
            command += ["--set", item]
        print(f"running {name} ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            command, check=True, capture_output=False, stdout=subprocess.PIPE, text=True
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
