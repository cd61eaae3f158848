"""What the explainers need from a model, declared as protocols instead of probed by name.

Every recommender scores (`Recommender.score_items`), so occlusion, group ablation,
deletion curves and counterfactuals work for all of them. The rest is optional, and a
model has it when it is an instance of the protocol (`isinstance` checks the members'
names, as `runtime_checkable` does, not their signatures):

- `AttentionModel`: per-layer attention maps of the scoring pass (SASRec, BERT4Rec).
- `EmbeddingScoringModel`: scoring split at the input vectors, the callable and layer
  Integrated Gradients differentiate (SASRec, BERT4Rec, GRU4Rec).
- `WindowedModel`: how many of the newest events scoring reads, when that is not
  `config.max_len` for every model (neural models; BERT4Rec's [MASK] takes a slot).

The baselines (popularity, co-occurrence) are none of these. Explainers themselves take
the callables (`model.attention_maps`, `model.scores_from_embeddings`), not the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: keeps this module importable without torch
    import torch


@runtime_checkable
class AttentionModel(Protocol):
    """A model that returns the attention weights of the pass that scores items."""

    def attention_maps(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Per-layer attention weights of the scoring pass.

        Args:
            input_ids: (B, L) left-padded item indices, newest event last.
            attention_mask: (B, L) 1 for real events; default `input_ids != 0`.
            event_type_ids: (B, L) event-type indices, used by models configured for them.

        Returns:
            One (B, num_heads, L', L') tensor per layer (query × key) over the L' columns
            scoring reads (BERT4Rec: the last `max_len - 1` plus its [MASK], the last
            query); rows of padding queries are meaningless.
        """
        ...


@runtime_checkable
class EmbeddingScoringModel(Protocol):
    """A model whose scoring splits at the input vectors (for gradient attributions)."""

    def input_embeddings(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """The input vectors of the events scoring reads, by source; they sum to the input.

        Args:
            input_ids: (B, L) item indices; only the last `history_window` are read.
            event_type_ids: (B, L) event-type indices; required when the model uses them.

        Returns:
            Source name (`item`, and `features`, `event_type` where the model has them)
            → (B, L', H), L' = min(L, history_window).
        """
        ...

    def scores_from_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Next-item scores from the events' input vectors, differentiable in them.

        Args:
            inputs_embeds: (B, L, H) input vectors (the sum of `input_embeddings` parts).
            attention_mask: (B, L) 1 for real events.

        Returns:
            (B, num_items + 1) scores; column 0 (padding) is -inf.
        """
        ...


@runtime_checkable
class WindowedModel(Protocol):
    """A model that says how many of a user's newest events its scores depend on."""

    @property
    def history_window(self) -> int:
        """How many of the newest events scoring reads (older ones cannot change a score).

        Returns:
            `config.max_len`, or fewer when the model keeps slots for itself
            (BERT4Rec: `max_len - 1`, its [MASK] takes one).
        """
        ...
