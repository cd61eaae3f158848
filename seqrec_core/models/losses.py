"""The next-item training loss every trainable model shares: full or sampled softmax.

`"ce"` scores every real item at every labelled position (full-softmax cross-entropy,
the best objective for sequential recommenders; Klenitskiy & Vasilev, RecSys 2023).
Its cost grows with the catalog: at 242k products one SASRec step scores 6,400 positions
against 242k items, and on this CPU training crawls (61 examples/s on a 10M-event log).
`"sampled_softmax"` scores each position against its target and `num_negatives` items
drawn uniformly from the catalog once per step (shared by every position, so the cost is
one (T, K) matrix product). Uniform draws need no log-Q correction: every item has the
same proposal probability, so the correction is a constant that cancels in the softmax.
A drawn negative equal to a position's target is masked out for that position. The
sampled loss asks the items for its targets' and negatives' rows only
(`ItemEmbeddings.real_rows`), so a step never builds the whole catalog's table.

Which loss a run uses is decided in `seqrec_core.models.loss_choice` (torch-free).
"""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F


class OutputItems(Protocol):
    """The real items' output vectors by 0-based column (an `ItemEmbeddings` is one)."""

    num_items: int

    def real_table(self) -> torch.Tensor:
        """(num_items, H) every real item's vector."""
        ...

    def real_rows(self, columns: torch.Tensor) -> torch.Tensor:
        """(*columns.shape, H) the vectors of the items at `columns` only."""
        ...


def next_item_loss(
    states: torch.Tensor,
    targets: torch.Tensor,
    items: OutputItems,
    *,
    loss: str,
    num_negatives: int,
    allowed: torch.Tensor | None = None,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean cross-entropy of the targets, over the full catalog or a sampled part of it.

    Args:
        states: (T, H) the model's output at each labelled position.
        targets: (T,) 0-based column of each target among the real items.
        items: the N real items' output vectors (padding row excluded).
        loss: "ce" (every item) or "sampled_softmax" (`num_negatives` uniform negatives).
        num_negatives: negatives drawn per step for "sampled_softmax".
        allowed: (N,) bool, items a training softmax may score; others are never scored.
        bias: (N,) per-item score bias (BERT4Rec's output bias), added to every score.

    Returns:
        The () mean loss.
    """
    if loss == "ce":
        logits = states @ items.real_table().T  # (T, N)
        if bias is not None:
            logits = logits + bias
        if allowed is not None:
            logits = logits.masked_fill(~allowed, float("-inf"))
        return F.cross_entropy(logits, targets)
    negatives = torch.randint(0, items.num_items, (num_negatives,), device=states.device)
    vectors = items.real_rows(torch.cat([targets, negatives]))  # (T + K, H)
    positive = (states * vectors[: len(targets)]).sum(dim=-1, keepdim=True)  # (T, 1)
    negative = states @ vectors[len(targets) :].T  # (T, K)
    if bias is not None:
        positive = positive + bias[targets].unsqueeze(1)
        negative = negative + bias[negatives]
    hidden = negatives.unsqueeze(0) == targets.unsqueeze(1)  # (T, K) a negative is the target
    if allowed is not None:
        hidden = hidden | ~allowed[negatives].unsqueeze(0)
    negative = negative.masked_fill(hidden, float("-inf"))
    logits = torch.cat([positive, negative], dim=1)  # (T, 1 + K), the target is column 0
    return F.cross_entropy(logits, torch.zeros_like(targets))
