"""Training speed of the full and the sampled softmaxes as the catalog grows.

SASRec with its defaults (hidden 64, 2 layers, 50 events) takes optimizer steps on
batches of full-length synthetic sequences (Zipf-distributed products, seeded) for each
catalog size with the full softmax ("ce"), the sampled softmax (256 uniform negatives)
and the mixed one (128 of the step's targets and 128 uniform, log-Q corrected); it prints
training sequences per second, the share of a full-softmax step that the loss itself costs
(from the full and sampled speeds), the speed-up, and the mixed draw's speed relative to
the uniform one. This is what `seqrec_core.models.loss_choice.SAMPLED_SOFTMAX_ABOVE`
rests on; the quality side (what the sampled losses cost in NDCG@10 where the full one is
affordable) is measured with
`benchmarks/beauty.py --models 'sasrec,sasrec[loss=sampled_softmax],sasrec[loss=mixed_softmax]'`.

    python benchmarks/sampled_softmax.py                       # 12k, 50k, 100k, 250k products
    python benchmarks/sampled_softmax.py --items 12101,242223 --steps 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))


def _batch(num_items: int, batch_size: int, max_len: int, seed: int):
    import numpy as np
    import torch

    from seqrec_core.data.sequences import IGNORE_INDEX

    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.2, size=(batch_size, max_len + 1)) % num_items + 1
    window = torch.from_numpy(ids.astype(np.int64))
    labels = window[:, 1:].clone()
    labels[labels == 0] = IGNORE_INDEX
    inputs = window[:, :-1]
    return {"input_ids": inputs, "attention_mask": torch.ones_like(inputs), "labels": labels}


def examples_per_second(
    num_items: int, loss: str, *, steps: int, batch_size: int, max_len: int
) -> float:
    """Training sequences per second of `steps` AdamW steps (after one warm-up step)."""
    import torch

    from seqrec_core.models import build_model
    from seqrec_core.training.config import TrainConfig
    from seqrec_core.training.session import build_optimizers

    torch.manual_seed(0)
    model = build_model("sasrec", num_items=num_items, max_len=max_len, loss=loss).train()
    # The optimizers training uses (fused AdamW; SparseAdam for the sampled loss's id rows).
    optimizers = [o for o in build_optimizers(model, TrainConfig(learning_rate=1e-3), 1) if o]
    batches = [_batch(num_items, batch_size, max_len, seed) for seed in range(steps + 1)]
    start = 0.0
    for step, batch in enumerate(batches):
        if step == 1:
            start = time.perf_counter()
        for optimizer in optimizers:
            optimizer.zero_grad(set_to_none=True)
        model(batch).backward()
        for optimizer in optimizers:
            optimizer.step()
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", default="12101,50000,100000,250000")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--max-len", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    print(
        f"SASRec defaults, batch {args.batch_size} × {args.max_len} events, {args.steps} steps, "
        f"{args.threads} threads; training sequences per second"
    )
    print(
        f"{'products':>10}  {'full':>8}  {'sampled':>8}  {'mixed':>8}  {'speed-up':>8}  "
        "mixed / sampled  loss share of a full step"
    )
    for num_items in (int(n) for n in args.items.split(",")):
        shape = {"steps": args.steps, "batch_size": args.batch_size, "max_len": args.max_len}
        full = examples_per_second(num_items, "ce", **shape)
        sampled = examples_per_second(num_items, "sampled_softmax", **shape)
        mixed = examples_per_second(num_items, "mixed_softmax", **shape)
        share = 1 - full / sampled  # the part of a full-softmax step the sampled one avoids
        print(
            f"{num_items:>10,}  {full:>8,.0f}  {sampled:>8,.0f}  {mixed:>8,.0f}  "
            f"{sampled / full:>7.1f}×  {mixed / sampled:>14.2f}×  {share:>6.0%}"
        )


if __name__ == "__main__":
    main()
