"""Explanation speed on a Beauty-sized SASRec: attention, Integrated Gradients, occlusion.

The model has Beauty's shape (12,101 items, hidden 64, 2 layers, 1 head, window 50,
side features off), randomly initialised: speed does not depend on training. Users are
20 sequences of the full window (50 events, the worst case) drawn at random, or with
`--data beauty` 20 real users of ../shared/datasets/amazon_beauty (their real lengths).
Every figure is the median over the users after two warm-up calls, on `--threads` CPU
threads, with a same-run baseline:

- attention maps + rollout (target ≤ 50 ms);
- IG, 50 steps, every step in one batch (target ≤ 1 s), vs one step per forward pass;
- occlusion of the whole sequence, every variant in one batch (target ≤ 0.5 s), vs
  re-scoring the variants one by one;
- for context: deletion curves (3 methods + 10 random orders), the counterfactual
  search, and the whole `explain_user`.

    python benchmarks/explain.py                 # synthetic users, 1 thread
    python benchmarks/explain.py --data beauty --threads 2
    python benchmarks/explain.py --items 242223   # a 10M-event store's catalog
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).absolute().parents[1]
BEAUTY = ROOT.parent / "shared" / "datasets" / "amazon_beauty"
NUM_ITEMS, WINDOW, USERS = 12_101, 50, 20


def _median_ms(run: Callable[[], object], users: list, warmup: int = 2) -> float:
    for user in users[:warmup]:
        run(user)  # type: ignore[call-arg]
    times = []
    for user in users:
        start = time.perf_counter()
        run(user)  # type: ignore[call-arg]
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _users(
    data: str, num_items: int, rng: np.random.Generator
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if data == "synthetic":
        return [
            (
                torch.from_numpy(rng.integers(1, num_items + 1, WINDOW)),
                torch.ones(WINDOW, dtype=torch.long),
            )
            for _ in range(USERS)
        ]
    import pandas as pd

    from seqrec_core.data.sequences import build_user_sequences

    events = pd.read_csv(BEAUTY / "events.csv", dtype=str)
    seqs = build_user_sequences(events).sequences
    rows = rng.choice(np.flatnonzero(seqs.lengths >= 3), USERS, replace=False)
    out = []
    for r in rows:
        items = seqs.row(r)[-WINDOW:]
        out.append(
            (torch.from_numpy(items.astype(np.int64)), torch.ones(len(items), dtype=torch.long))
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", choices=["synthetic", "beauty"], default="synthetic")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--items", type=int, default=NUM_ITEMS, help="catalog size (synthetic users only)"
    )
    args = parser.parse_args()
    if args.data == "beauty" and args.items != NUM_ITEMS:
        parser.error("--items applies to synthetic users; Beauty has its own catalog")
    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(ROOT))

    from seqrec_core.explain.attention import summarize_attention
    from seqrec_core.explain.attributions import integrated_gradients, occlusion
    from seqrec_core.explain.counterfactual import minimal_counterfactual
    from seqrec_core.explain.faithfulness import deletion_curves
    from seqrec_core.explain.rescoring import excluded_items
    from seqrec_core.models import build_model

    torch.manual_seed(0)
    model = build_model(
        "sasrec", num_items=args.items, max_len=WINDOW, hidden_size=64, num_layers=2
    ).eval()
    users = _users(args.data, args.items, np.random.default_rng(0))
    lengths = [len(ids) for ids, _ in users]
    print(
        f"SASRec {args.items:,} items, hidden 64, 2 layers, window {WINDOW}; {args.data} users "
        f"(median length {statistics.median(lengths):g}); {args.threads} thread(s); "
        f"median of {USERS} users\n"
    )
    target = 17

    def batch_of(user):
        ids, types = user
        return {
            "input_ids": ids[None],
            "attention_mask": torch.ones_like(ids)[None],
            "event_type_ids": types[None],
        }

    def ig(user, step_batch=None):
        return integrated_gradients(
            model.scores_from_embeddings, model.input_embeddings, batch_of(user), torch.tensor([target]),
            n_steps=50, internal_batch_size=step_batch,
        )  # fmt: skip

    def one_by_one(user):
        ids, types = user
        with torch.no_grad():
            full = model.score_items(ids[None], torch.ones_like(ids)[None], types[None])[0, target]
            keep = torch.ones(len(ids), dtype=torch.bool)
            out = []
            for i in range(len(ids)):
                keep[i] = False
                out.append(
                    full - model.score_items(ids[keep][None], None, types[keep][None])[0, target]
                )
                keep[i] = True
        return out

    def curves(user):
        ids, types = user
        methods = {
            m: np.random.default_rng(1).normal(size=len(ids))
            for m in ("ig", "occlusion", "attention")
        }
        excluded = excluded_items(args.items + 1, ids, exclude_seen=True)
        return deletion_curves(model.score_items, ids, types, target, excluded, methods)

    def counterfactual(user):
        ids, types = user
        excluded = excluded_items(args.items + 1, ids, exclude_seen=True)
        guide = occlusion(model.score_items, ids, types, target).attributions
        return minimal_counterfactual(model.score_items, ids, types, excluded, guide)

    rows = [
        ("attention maps + rollout", lambda u: summarize_attention(model.attention_maps, *u), 50, None),
        ("IG, 50 steps in one batch", ig, 1000, ("IG, one step per pass", lambda u: ig(u, 1))),
        ("occlusion, one batch", lambda u: occlusion(model.score_items, *u, target), 500,
         ("occlusion, one by one", one_by_one)),
        ("deletion curves (3 + 10 random)", curves, None, None),
        ("counterfactual search", counterfactual, None, None),
    ]  # fmt: skip
    print(f"{'measure':34} {'median ms':>10} {'target ms':>10} {'baseline':>34} {'speed-up':>9}")
    for name, run, goal, baseline in rows:
        ms = _median_ms(run, users)
        line = f"{name:34} {ms:10.1f} {goal if goal else '':>10}"
        if baseline is not None:
            base_ms = _median_ms(baseline[1], users)
            line += f" {baseline[0] + f' {base_ms:.1f} ms':>34} {base_ms / ms:8.1f}×"
        ok = "" if goal is None else ("  ok" if ms <= goal else "  OVER TARGET")
        print(line + ok)


if __name__ == "__main__":
    main()
