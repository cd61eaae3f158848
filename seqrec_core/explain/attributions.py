"""Attributions of a target item's score to the past events: Integrated Gradients, occlusion.

Explainers take callables, never a model class (Captum's habit), so every recommender
that offers the same two functions is explained by the same code:

- `integrated_gradients(forward, layer, ...)`: Captum's Integrated Gradients over the
  outputs of the input embedding layer. `layer(input_ids, event_type_ids)` returns the
  embedding parts per event (`item`, `features`, `event_type`, each (B, L, H); their sum
  is the network input) and `forward(inputs_embeds, attention_mask)` the (B, V) scores,
  i.e. a model's `input_embeddings` and `scores_from_embeddings`. Integrating over the
  layer's output is exactly Layer IG on the embedding layers, and attributes to each part
  separately. The attention mask stays fixed along the path, so the baseline is "the
  same events, with neutral vectors". Result: signed attribution per event and part
  (summed over the embedding dimensions) and Captum's convergence delta
  (sum of attributions − (F(input) − F(baseline))), which callers must check.
- `occlusion(score_fn, ...)`: leave-one-event-out, exact re-scoring of every variant in
  one batch; needs only `score_items`, so baselines without gradients have it too.
- `group_ablation(score_fn, ...)`: remove every event of a group (a category, a brand).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import IntegratedGradients

from seqrec_core.errors import ConfigError
from seqrec_core.explain.rescoring import (
    ScoreFn,
    optimistic_one_based_ranks,
    reduce_variants,
    top_items,
)

# (input_ids (B, L), event_type_ids (B, L) | None) -> {part: (B, L', H)}
EmbeddingLayer = Callable[[torch.Tensor, torch.Tensor | None], dict[str, torch.Tensor]]
# (inputs_embeds (B, L', H), attention_mask (B, L')) -> (B, V)
EmbeddingForward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
BASELINES = ("padding", "mean")
PART_NAMES = {
    "item": "item",
    "text": "item text",
    "features": "catalog features",
    "event_type": "event type",
}


@dataclass(frozen=True)
class IGResult:
    """Integrated Gradients of one target score per row.

    Attributes:
        parts: part name → (B, L) signed attribution per event, summed over dimensions.
        convergence_delta: (B,) sum of all attributions − (score − baseline score).
        scores: (B,) the target's score for the real input.
        baseline_scores: (B,) the target's score for the baseline input.
        n_steps: integration steps used.
        baseline: "padding" or "mean".
    """

    parts: dict[str, np.ndarray]
    convergence_delta: np.ndarray
    scores: np.ndarray
    baseline_scores: np.ndarray
    n_steps: int
    baseline: str

    @property
    def total(self) -> np.ndarray:
        """(B, L) attribution per event, all parts together."""
        return sum(self.parts.values())  # type: ignore[return-value]

    @property
    def relative_delta(self) -> np.ndarray:
        """(B,) |delta| relative to |score − baseline score| (how far completeness is off)."""
        gap = np.abs(self.scores - self.baseline_scores)
        return np.abs(self.convergence_delta) / np.maximum(gap, 1e-6)

    def large_delta(self, share: float, floor: float) -> np.ndarray:
        """(B,) bool: |delta| above `share` of the score gap and above `floor`."""
        return (self.relative_delta > share) & (np.abs(self.convergence_delta) > floor)


def mean_baselines(
    layer: EmbeddingLayer, num_items: int, num_event_types: int
) -> dict[str, torch.Tensor]:
    """The "mean" baseline: each part's average vector over the catalog (and event types).

    Args:
        layer: the embedding layer (a model's `input_embeddings`).
        num_items: catalog size, padding excluded.
        num_event_types: event-type vocabulary size, padding excluded (≥ 1).

    Returns:
        Part name → (H,) mean vector: items' own embeddings, their side-feature vectors,
        and the event-type embeddings.
    """
    with torch.no_grad():
        items = torch.arange(1, num_items + 1).view(-1, 1)  # (V, 1): one event per row
        parts = layer(items, torch.ones_like(items))
        out = {name: part.mean(dim=(0, 1)) for name, part in parts.items()}
        if "event_type" in parts:
            types = torch.arange(1, max(1, num_event_types) + 1).view(-1, 1)  # (T, 1)
            out["event_type"] = layer(torch.ones_like(types), types)["event_type"].mean(dim=(0, 1))
    return out


def integrated_gradients(
    forward: EmbeddingForward,
    layer: EmbeddingLayer,
    batch: Mapping[str, torch.Tensor],
    targets: torch.Tensor,
    *,
    baselines: Mapping[str, torch.Tensor] | None = None,
    n_steps: int = 50,
    internal_batch_size: int | None = None,
) -> IGResult:
    """Integrated Gradients of `forward`'s target scores w.r.t. the embedding parts.

    Args:
        forward: (inputs_embeds (B, L, H), attention_mask (B, L)) → (B, V) scores.
        layer: (input_ids (B, L), event_type_ids (B, L)) → {part: (B, L, H)}.
        batch: `input_ids`, `attention_mask`, `event_type_ids`, each (B, L), left-padded.
        targets: (B,) the item index whose score is explained, per row.
        baselines: part → (H,) vector (e.g. `mean_baselines`); None: zero vectors, which
            is what padding embeds to. Padding positions always keep a zero baseline, so
            they get no attribution.
        n_steps: integration steps (Gauss–Legendre); more steps, smaller delta.
        internal_batch_size: rows per forward pass inside Captum (None: all at once).

    Returns:
        Per-part attributions (B, L') for the L' columns the layer returns (the model's
        window), the convergence delta and the scores at the input and the baseline.

    Raises:
        ConfigError: `n_steps` below 2.
    """
    if n_steps < 2:
        raise ConfigError(f"n_steps = {n_steps} is outside the allowed range 2..")
    with torch.no_grad():
        parts = layer(batch["input_ids"], batch.get("event_type_ids"))
    names = list(parts)
    inputs = tuple(parts[n].detach() for n in names)
    width = inputs[0].shape[1]
    mask = batch["attention_mask"][:, -width:].long()  # (B, L')
    real = mask.unsqueeze(-1).to(inputs[0].dtype)  # (B, L', 1)
    base = tuple(
        (baselines[n].to(x).expand_as(x) * real) if baselines and n in baselines else x * 0
        for n, x in zip(names, inputs, strict=True)
    )

    def summed(*args: torch.Tensor) -> torch.Tensor:
        *embeds, attention_mask = args
        return forward(sum(embeds), attention_mask)  # type: ignore[arg-type]

    explainer = IntegratedGradients(summed)
    attributions, delta = explainer.attribute(
        inputs,
        baselines=base,
        target=targets,
        additional_forward_args=(mask,),
        n_steps=n_steps,
        internal_batch_size=internal_batch_size,
        return_convergence_delta=True,
    )
    with torch.no_grad():
        ends = torch.cat([summed(*inputs, mask), summed(*base, mask)])  # (2B, V)
        picked = ends.gather(1, targets.repeat(2).view(-1, 1)).view(2, -1)  # (2, B)
    return IGResult(
        parts={
            n: a.detach().sum(dim=-1).double().numpy()
            for n, a in zip(names, attributions, strict=True)
        },
        convergence_delta=delta.detach().double().numpy(),
        scores=picked[0].double().numpy(),
        baseline_scores=picked[1].double().numpy(),
        n_steps=n_steps,
        baseline="mean" if baselines else "padding",
    )


@contextmanager
def weights_frozen(module: torch.nn.Module) -> Iterator[None]:
    """Stop `module`'s parameters requiring gradients for a while, then restore them.

    Integrated Gradients needs gradients with respect to its inputs only; with every
    weight tracked too, autograd records and walks their graph as well, which doubles
    its cost on CPU. Only the parameters frozen here are restored, so overlapping calls
    on a model that sessions share leave it as it was (they can only cost speed).
    """
    frozen = [p for p in module.parameters() if p.requires_grad]
    for parameter in frozen:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter in frozen:
            parameter.requires_grad_(True)


@dataclass(frozen=True)
class OcclusionResult:
    """Leave-one-event-out effects on one target score.

    Attributes:
        attributions: (L,) score − score without that event (positive: it raised it).
        score: the target's score with every event.
        scores_without: (L,) the target's score without each event.
    """

    attributions: np.ndarray
    score: float
    scores_without: np.ndarray


def occlusion(
    score_fn: ScoreFn, input_ids: torch.Tensor, event_type_ids: torch.Tensor, target: int
) -> OcclusionResult:
    """Re-score the sequence without each of its events (one batch) for `target`.

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) the sequence's item indices (the model's window, no padding).
        event_type_ids: (L,) their event types.
        target: item index whose score is explained.

    Returns:
        The effect of each event: exact differences of re-scored sequences.
    """
    length = input_ids.shape[0]
    keep = torch.cat(
        [torch.ones(1, length, dtype=torch.bool), ~torch.eye(length, dtype=torch.bool)]
    )
    scores = reduce_variants(
        score_fn, input_ids, event_type_ids, keep, lambda scores: scores[:, target].double()
    )
    full, without = float(scores[0]), scores[1:].numpy()
    return OcclusionResult(full - without, full, without)


@dataclass(frozen=True)
class GroupEffects:
    """The effect of removing every event of each group, one row per group.

    Attributions:
        labels: group names, as given.
        events: (G,) events removed per group.
        attributions: (G,) score − score without the group.
        ranks: (G,) the target's rank without the group.
        top_items: (G,) the first recommendation (item index) without the group.
    """

    labels: list[str]
    events: np.ndarray
    attributions: np.ndarray
    ranks: np.ndarray
    top_items: np.ndarray


def group_ablation(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    groups: Mapping[str, torch.Tensor],
    target: int,
    excluded: torch.Tensor,
) -> GroupEffects:
    """Re-score the sequence without each group's events (one batch).

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) item indices; event_type_ids: (L,) their types.
        groups: label → (L,) bool, the events of the group.
        target: item index whose score is explained.
        excluded: (V,) bool items never ranked (padding, the history).

    Returns:
        Score change, rank and first recommendation without each group.
    """
    labels = list(groups)
    members = torch.stack([groups[g].bool() for g in labels]) if labels else None
    if members is None:
        empty = np.zeros(0)
        return GroupEffects([], empty.astype(int), empty, empty.astype(int), empty.astype(int))
    keep = torch.cat([torch.ones_like(members[:1]), ~members])  # (G + 1, L)

    def effects(scores: torch.Tensor) -> torch.Tensor:  # (R, 3): score, rank, top item
        ranks = optimistic_one_based_ranks(scores, torch.tensor(target), excluded)
        top = top_items(scores, excluded)[:, 0]
        return torch.stack([scores[:, target].double(), ranks.double(), top.double()], dim=1)

    found = reduce_variants(score_fn, input_ids, event_type_ids, keep, effects)
    return GroupEffects(
        labels=labels,
        events=members.sum(dim=1).numpy(),
        attributions=(found[0, 0] - found[1:, 0]).numpy(),
        ranks=found[1:, 1].numpy().astype(np.int64),
        top_items=found[1:, 2].numpy().astype(np.int64),
    )
