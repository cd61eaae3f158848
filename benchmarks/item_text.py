"""Item text benchmark: id-only vs text+id vs text-only SASRec, overall and on new products.

For each dataset (the bundled sample shop; UCI Online Retail, a real UK shop whose product
descriptions are the titles, ../shared/datasets/uci_online_retail) it ingests the data into a
scratch workspace, then trains SASRec three times with `--cold-items 0.1` (10% of the items
held out of training entirely; the test shoppers whose next item is one of them measure cold
start) and the same time budget, each in its own child process, and prints test NDCG@10 and
HR@10 overall, on warm targets and on cold ones (bucket "0" of `by_target_count`), with the
cold/warm ratio. It also measures the encoder alone: items/s and peak memory of encoding the
catalog's texts from scratch (cache off), against the same count of texts twice as long.

    python benchmarks/item_text.py                      # both datasets, 3 minutes per run
    python benchmarks/item_text.py --data sample --minutes 1.5
    python benchmarks/item_text.py --data uci --epochs 8       # fixed work, not wall time
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).absolute().parents[1]
DATASETS = {
    "sample": (ROOT / "sample_data" / "events.csv.gz", ROOT / "sample_data" / "items.csv"),
    "uci": (
        ROOT.parent / "shared" / "datasets" / "uci_online_retail" / "events.csv.gz",
        ROOT.parent / "shared" / "datasets" / "uci_online_retail" / "items.csv",
    ),
}
VARIANTS = {  # the default with item text is "text+id" with id dropout 0.3
    "id only": ["--item-text", "off"],
    "text+id": ["--item-text", "auto", "--set", "item_input=text+id", "--set", "id_dropout=0"],
    "text+id, id dropout 0.3": [
        "--item-text",
        "auto",
        "--set",
        "item_input=text+id",
        "--set",
        "id_dropout=0.3",
    ],
    "text only": ["--item-text", "auto", "--set", "item_input=text"],
}


def _cli(*args: str) -> dict[str, Any]:
    """Run `python -m seqrec_core ... --json` in a child process; its JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", "seqrec_core", *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        answer = json.loads(out.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{out.stderr[-2000:]}") from None
    if "error" in answer:
        raise SystemExit(f"{' '.join(args[:2])}: {answer['error']}")
    return answer


def _warm(buckets: dict[str, dict[str, float]], metric: str) -> float:
    """`metric` over every non-cold bucket, weighted by its examples."""
    warm = [b for name, b in buckets.items() if name != "0"]
    count = sum(b["examples"] for b in warm)
    return sum(b[metric] * b["examples"] for b in warm) / count if count else 0.0


def train_variants(
    name: str, workspace: Path, minutes: float, cold: float, epochs: int | None
) -> None:
    events, items = DATASETS[name]
    ingested = _cli("ingest", str(events), "--items", str(items), "--workspace", str(workspace),
                    "--name", name)  # fmt: skip
    print(f"\n## {name}: {ingested['rows_accepted']:,} events, {ingested['users']:,} shoppers, "
          f"{ingested['items']:,} products; SASRec, "
          f"{f'{epochs} epochs' if epochs else f'{minutes} min'} each, --cold-items {cold}")  # fmt: skip
    budget = ["--epochs", str(epochs)] if epochs else ["--max-minutes", str(minutes)]
    print(f"{'variant':<24} {'NDCG@10':>8} {'HR@10':>7} {'warm NDCG':>10} {'cold NDCG':>10} "
          f"{'cold HR':>8} {'cold/warm':>9} {'cold n':>7} {'epochs':>6} {'peak MB':>8}")  # fmt: skip
    for label, flags in VARIANTS.items():
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        answer = _cli("train", "--workspace", str(workspace), "--dataset", name,
                      "--model", "sasrec", *budget, "--cold-items", str(cold),
                      *flags)  # fmt: skip
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        test, buckets = answer["test_metrics"], answer["test_by_target_count"]
        cold_bucket = buckets.get("0", {"NDCG@10": 0.0, "HR@10": 0.0, "examples": 0})
        warm = _warm(buckets, "NDCG@10")
        ratio = cold_bucket["NDCG@10"] / warm if warm else 0.0
        print(f"{label:<24} {test['NDCG@10']:>8.4f} {test['HR@10']:>7.4f} {warm:>10.4f} "
              f"{cold_bucket['NDCG@10']:>10.4f} {cold_bucket['HR@10']:>8.4f} {ratio:>9.0%} "
              f"{int(cold_bucket['examples']):>7} {answer['epochs']:>6} {peak:>8.0f}")  # fmt: skip
    print("(id only scores products it never saw bought from random, untrained vectors:"
          " its cold NDCG is near zero by construction)")  # fmt: skip


def encoding_speed(name: str) -> None:
    """Items/s of the bundled encoder on the catalog's texts, cache off; doubled texts too."""
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from seqrec_core.text.encoder import load_encoder
    from seqrec_core.text.encoder_files import bundled_encoder
    from seqrec_core.text.item_text import default_template, render_texts

    catalog = pd.read_csv(DATASETS[name][1], dtype=str)
    texts = [t for t in render_texts(catalog, default_template(catalog)).texts if t]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        encoder = load_encoder(bundled_encoder(Path(folder)), device="cpu")
        load_s = time.perf_counter() - start
        rates = []
        for variant in (texts, [f"{t}. {t}" for t in texts]):
            start = time.perf_counter()
            encoder.encode(variant)
            rates.append(len(variant) / (time.perf_counter() - start))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{name}: encoder load {load_s:.1f} s; {len(texts):,} texts at {rates[0]:,.0f} items/s "
          f"(twice as long: {rates[1]:,.0f} items/s, {rates[1] / rates[0]:.2f}×); "
          f"peak memory {peak:,.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--minutes", type=float, default=3.0, help="training budget per run")
    parser.add_argument("--epochs", type=int, help="a fixed epoch count instead of minutes")
    parser.add_argument("--cold", type=float, default=0.1, help="share of items held out")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-encoding", action="store_true")
    args = parser.parse_args()
    names = list(DATASETS) if args.data == "all" else [args.data]
    for name in [] if args.skip_encoding else names:
        encoding_speed(name)
    if not args.skip_training:
        for name in names:
            with tempfile.TemporaryDirectory() as folder:
                train_variants(name, Path(folder), args.minutes, args.cold, args.epochs)


if __name__ == "__main__":
    main()
