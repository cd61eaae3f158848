"""A toy recommender whose attributions are known in closed form (shared by test modules).

`LinearToy` scores item v as the sum over real events of `(item_i + type_i) · w_v`, so:
Integrated Gradients from baseline b gives event i exactly `(x_i − b_i) · w_v`; removing
event i lowers the score by exactly `x_i · w_v` (occlusion = IG from zero); and the
deletion order by that contribution is the best possible one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from seqrec_core.models.base import ModelConfig, Recommender


@dataclass(frozen=True)
class ToyConfig(ModelConfig):
    hidden_size: int = 5
    num_event_types: int = 2


class LinearToy(Recommender):
    """score(v) = Σ_i mask_i · (item_i + type_i) · w_v; column 0 is -inf."""

    name: ClassVar[str] = "toy"
    config: ToyConfig

    def __init__(self, config: ToyConfig, seed: int = 0) -> None:
        super().__init__()
        self.config = config
        generator = torch.Generator().manual_seed(seed)
        size, hidden = config.num_items + 1, config.hidden_size
        self.item = nn.Embedding(size, hidden, padding_idx=0)
        self.event_type = nn.Embedding(config.num_event_types + 1, hidden, padding_idx=0)
        self.output = nn.Parameter(torch.randn(size, hidden, generator=generator))
        with torch.no_grad():
            self.item.weight.copy_(torch.randn(size, hidden, generator=generator))
            self.event_type.weight.copy_(
                torch.randn(config.num_event_types + 1, hidden, generator=generator)
            )
            self.item.weight[0].zero_()
            self.event_type.weight[0].zero_()

    def input_embeddings(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        input_ids = input_ids[:, -self.config.max_len :]
        types = torch.zeros_like(input_ids) if event_type_ids is None else event_type_ids
        return {
            "item": self.item(input_ids),
            "event_type": self.event_type(types[:, -self.config.max_len :]),
        }

    def scores_from_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        pooled = (inputs_embeds * attention_mask.unsqueeze(-1)).sum(dim=1)  # (B, H)
        scores = pooled @ self.output.T  # (B, V)
        return scores.index_fill(1, torch.tensor([0]), float("-inf"))

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        mask = (input_ids != 0).long() if attention_mask is None else attention_mask
        parts = self.input_embeddings(input_ids, event_type_ids)
        return self.scores_from_embeddings(sum(parts.values()), mask[:, -self.config.max_len :])

    def contributions(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor, target: int
    ) -> torch.Tensor:
        """(L,) each event's exact additive contribution to the target's score."""
        parts = self.input_embeddings(input_ids[None], event_type_ids[None])
        x = sum(parts.values())[0]  # (L, H)
        return (x @ self.output[target]).detach()


# One history for the toy models: item indices and event-type indices, oldest first.
IDS = torch.tensor([4, 2, 9, 4, 1, 7])
TYPES = torch.tensor([1, 2, 2, 1, 1, 2])


def linear_toy(num_items: int = 9, max_len: int = 7, seed: int = 0) -> LinearToy:
    """A toy model in eval mode."""
    return LinearToy(ToyConfig(num_items=num_items, max_len=max_len), seed=seed).eval()
