"""The one interface every recommender has, baselines included, and the shared config fields.

A recommender is an `nn.Module` with:

- `forward(batch) -> loss`: a scalar training loss from a batch dict (`input_ids`,
  `attention_mask`, `labels`, optionally `event_type_ids`); baselines return the
  negative log-likelihood of their smoothed distribution and have nothing to train.
- `score_items(input_ids, attention_mask, event_type_ids) -> (B, V)`: a score per item
  index for the next event after each row's last column (column 0, padding, is -inf).
- `fit(offsets, items)`: count statistics from training sequences (baselines only).

Evaluation, recommendation and explanation call only these, so every model shares one
code path. Configs are frozen dataclasses validated on construction (with
`seqrec_core.checks`); `num_items` is the catalog size without padding, so score and
embedding tables have `num_items + 1` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import torch
from torch import nn

from seqrec_core.checks import check_choice, check_range
from seqrec_core.errors import ConfigError
from seqrec_core.models.loss_choice import DEFAULT_NEGATIVES, LOSSES

ITEM_INPUTS = ("id", "text+id", "text")  # see SideInputsConfig.item_input


@dataclass(frozen=True)
class ModelConfig:
    """Fields every model config has."""

    num_items: int  # catalog size, padding excluded
    max_len: int = 50  # the most recent events a model reads

    def __post_init__(self) -> None:
        model = type(self).__name__
        check_range("num_items", self.num_items, 1, model=model)
        check_range("max_len", self.max_len, 1, 4096, model=model)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready field values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        """Inverse of `to_dict`; unknown keys are an error that names them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
        return cls(**values)


@dataclass(frozen=True)
class SideInputsConfig(ModelConfig):
    """Fields of the trained models: event types, catalog side features, the loss."""

    use_event_types: bool = False
    num_event_types: int = 0  # event-type vocabulary size, padding excluded
    use_side_features: bool = False
    num_feature_tokens: int = 0  # side-feature vocabulary size, padding excluded
    features_per_item: int = 1  # width of the item → feature-token table
    # What an item's vector is made of: "id" (an id embedding only), "text+id" (its
    # projected text vector plus an id embedding capped at `id_delta_norm`) or "text".
    item_input: str = "id"
    text_dim: int = 0  # width of the item text vectors (with a text `item_input`)
    id_delta_norm: float = 0.5  # cap on the id part's length under "text+id"; 0: none
    # Share of the items with text whose id part is dropped at each training step, so
    # the model also learns to score products from their text alone (new products). 0.3
    # keeps overall NDCG@10 at the id-only level and lifts new products' NDCG@10 from
    # 23% to 69% of the known products' on UCI Online Retail (benchmarks/item_text.py).
    id_dropout: float = 0.3
    # "ce": full softmax over the catalog; "sampled_softmax": `num_negatives` uniform
    # negatives per step; "mixed_softmax": half of them from the step's targets, log-Q
    # corrected (`seqrec_core.models.losses`). `build_model_for` picks it from
    # the catalog size unless the user set it (`seqrec_core.models.loss_choice`).
    loss: str = "ce"
    num_negatives: int = DEFAULT_NEGATIVES

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        check_range("num_event_types", self.num_event_types, int(self.use_event_types), model=m)
        check_range(
            "num_feature_tokens", self.num_feature_tokens, int(self.use_side_features), model=m
        )
        check_range("features_per_item", self.features_per_item, 1, 256, model=m)
        check_choice("item_input", self.item_input, ITEM_INPUTS, model=m)
        check_range("text_dim", self.text_dim, int(self.item_input != "id"), 65536, model=m)
        check_range("id_delta_norm", self.id_delta_norm, 0.0, 1000.0, model=m)
        check_range("id_dropout", self.id_dropout, 0.0, 1.0, model=m)
        check_choice("loss", self.loss, LOSSES, model=m)
        check_range("num_negatives", self.num_negatives, 1, 1 << 20, model=m)


class Recommender(nn.Module):
    """Base class: the shared interface (see the module docstring)."""

    name: ClassVar[str]
    trainable: ClassVar[bool] = True  # False: `fit` counts statistics, no gradient steps
    config: ModelConfig

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Next-item scores.

        Args:
            input_ids: (B, L) left-padded item indices, newest event last; only the last
                `config.max_len` columns are read.
            attention_mask: (B, L) 1 for real events; default `input_ids != 0`.
            event_type_ids: (B, L) event-type indices, used by models configured for them.

        Returns:
            (B, num_items + 1) scores; column 0 (padding) is -inf.
        """
        raise NotImplementedError

    def fit(self, offsets: torch.Tensor, items: torch.Tensor) -> None:
        """Count statistics from CSR training sequences ((N + 1,) offsets, (E,) items)."""
        if self.trainable:
            raise TypeError(f"{type(self).__name__} learns by gradient steps, not fit()")
        raise NotImplementedError

    def load_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Load saved weights and buffers (strict: every name must match)."""
        self.load_state_dict(tensors, strict=True)


def default_mask(input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """`attention_mask`, or `input_ids != 0` when none is given; (B, L) long."""
    return (input_ids != 0).long() if attention_mask is None else attention_mask.long()
