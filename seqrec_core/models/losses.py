"""The next-item training loss every trainable model shares: full or sampled softmax.

`"ce"` scores every real item at every labelled position (full-softmax cross-entropy,
the best objective for sequential recommenders; Klenitskiy & Vasilev, RecSys 2023).
Its cost grows with the catalog: at 242k products one SASRec step scores 6,400 positions
against 242k items, and on this CPU training crawls (61 examples/s on a 10M-event log).
`"sampled_softmax"` scores each position against its target and `num_negatives` items
drawn uniformly from the catalog once per step (shared by every position, so the cost is
one (T, K) matrix product). Uniform draws need no log-Q correction: every item has the
same proposal probability, so the correction is a constant that cancels in the softmax.
`"mixed_softmax"` (mixed negative sampling, Yang et al., WWW 2020) draws half of the
`num_negatives` from the step's own targets, so popular products are drawn as often as
they are bought and become the hard negatives a uniform draw rarely finds, and half
uniformly (so rare products are still pushed down); each negative's score is corrected
by the log of how many times its item is expected among the negatives (the log-Q
correction; without it popular products would count many times over). The expected
count is exact given the step: `k_batch · c / T + k_uniform / N` for an item that is `c`
of the step's `T` targets. The target, scored once whatever the draw, is not corrected:
the corrected negatives then stand for the rest of the catalog in proportion, and with
many draws the loss is the full softmax's. It costs the same (T, K) product as the
uniform draw. A drawn negative equal to a position's target is masked out for that
position. The sampled losses ask the items for their targets' and negatives' rows only
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
        loss: "ce" (every item), "sampled_softmax" (`num_negatives` uniform negatives) or
            "mixed_softmax" (half from the step's targets, half uniform, log-Q corrected).
        num_negatives: negatives drawn per step for the sampled losses.
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
    if loss == "mixed_softmax":
        negatives, log_q = _mixed_negatives(targets, items.num_items, num_negatives)
    else:
        negatives = torch.randint(0, items.num_items, (num_negatives,), device=states.device)
        log_q = None
    vectors = items.real_rows(torch.cat([targets, negatives]))  # (T + K, H)
    positive = (states * vectors[: len(targets)]).sum(dim=-1, keepdim=True)  # (T, 1)
    negative = states @ vectors[len(targets) :].T  # (T, K)
    if bias is not None:
        positive = positive + bias[targets].unsqueeze(1)
        negative = negative + bias[negatives]
    if log_q is not None:
        negative = negative - log_q
    hidden = negatives.unsqueeze(0) == targets.unsqueeze(1)  # (T, K) a negative is the target
    if allowed is not None:
        hidden = hidden | ~allowed[negatives].unsqueeze(0)
    negative = negative.masked_fill(hidden, float("-inf"))
    logits = torch.cat([positive, negative], dim=1)  # (T, 1 + K), the target is column 0
    return F.cross_entropy(logits, torch.zeros_like(targets))


def _mixed_negatives(
    targets: torch.Tensor, num_items: int, num_negatives: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The negatives of a mixed draw and each one's log expected count among them.

    Args:
        targets: (T,) the step's target columns.
        num_items: N, the real items.
        num_negatives: K; K // 2 are drawn from `targets`, the rest from all N items.

    Returns:
        (K,) negative columns, and (K,) the log of the expected number of times each
        negative's item is among the K negatives.
    """
    from_batch = num_negatives // 2
    uniform = num_negatives - from_batch
    picked = torch.randint(0, len(targets), (from_batch,), device=targets.device)
    negatives = torch.cat(
        [
            targets[picked],
            torch.randint(0, num_items, (uniform,), device=targets.device),
        ]
    )
    distinct, counts = torch.unique(targets, return_counts=True)  # sorted
    where = torch.searchsorted(distinct, negatives).clamp(max=len(distinct) - 1)
    in_batch = torch.where(distinct[where] == negatives, counts[where], 0)  # (K,)
    expected = from_batch * in_batch / len(targets) + uniform / num_items
    return negatives, torch.log(expected)
