"""The input side of a sequence recommender: item, side-feature and event-type vectors.

An item's vector is its own embedding plus the mean embedding of its side-feature tokens
(category-path levels, brand, attributes), the same representation SASRec uses; models
tie their output layer to `table()`. Event-type embeddings are added per position.
Rows past `num_items` (`extra_tokens`, e.g. BERT4Rec's [MASK]) have no side features.
`parts` returns the three sources separately (for attributions); they sum to `forward`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class ItemEmbeddings(nn.Module):
    """Item (+ mean side-feature) embeddings and optional event-type embeddings.

    Args:
        num_items: catalog size without padding; rows 1..num_items are items.
        dim: embedding width.
        extra_tokens: rows after the items (special tokens without side features).
        num_event_types: event-type vocabulary size; 0: no event-type embeddings.
        num_feature_tokens: side-feature vocabulary size; 0: no side features.
        features_per_item: width of the item → feature-token table.
        init_std: std of the normal initialisation (padding rows stay zero).
    """

    def __init__(
        self,
        num_items: int,
        dim: int,
        *,
        extra_tokens: int = 0,
        num_event_types: int = 0,
        num_feature_tokens: int = 0,
        features_per_item: int = 1,
        init_std: float = 0.02,
    ) -> None:
        super().__init__()
        self.extra_tokens = extra_tokens
        self.item = nn.Embedding(num_items + 1 + extra_tokens, dim, padding_idx=0)
        self.event_type = (
            nn.Embedding(num_event_types + 1, dim, padding_idx=0) if num_event_types else None
        )
        self.feature = (
            nn.Embedding(num_feature_tokens + 1, dim, padding_idx=0) if num_feature_tokens else None
        )
        self._cached: tuple[tuple[int, int, int], torch.Tensor] | None = None  # see _feature_table
        # item index → its side-feature token indices, 0-padded; set with `set_item_features`.
        self.register_buffer(
            "item_features", torch.zeros(num_items + 1, features_per_item, dtype=torch.long)
        )
        for embedding in (self.item, self.event_type, self.feature):
            if embedding is not None:
                nn.init.normal_(embedding.weight, std=init_std)
                with torch.no_grad():
                    embedding.weight[0].zero_()

    def set_item_features(self, table: torch.Tensor) -> None:
        """Install the (num_items + 1, features_per_item) feature-token table."""
        if table.shape != self.item_features.shape:
            raise ValueError(
                f"item feature table {tuple(table.shape)} ≠ {tuple(self.item_features.shape)}"
            )
        self.item_features.copy_(table)

    def _feature_table(self) -> torch.Tensor | None:
        """(num_items + 1 + extra_tokens, dim) each row's mean side-feature embedding.

        Scoring without gradients reuses the last table while neither the feature weights
        nor the feature-token table changed (torch bumps a tensor's `_version` on every
        in-place write: optimizer steps, `load_state_dict`, `set_item_features`).
        """
        if self.feature is None:
            return None
        reuse = not torch.is_grad_enabled()
        key = (
            self.feature.weight._version,
            self.item_features._version,
            self.feature.weight.data_ptr(),
        )
        if reuse and self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        tokens = self.feature(self.item_features)  # (V, F, D)
        count = (self.item_features > 0).sum(dim=1, keepdim=True).clamp(min=1)  # (V, 1)
        mean = tokens.sum(dim=1) / count  # (V, D)
        table = F.pad(mean, (0, 0, 0, self.extra_tokens))  # extra rows: + 0
        self._cached = (key, table) if reuse else None
        return table

    def table(self) -> torch.Tensor:
        """(num_items + 1 + extra_tokens, dim) the item vectors the output layer is tied to."""
        features = self._feature_table()
        return self.item.weight if features is None else self.item.weight + features

    def parts(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """The input vectors of `forward` split by source; their sum is `forward`'s output.

        Args:
            input_ids: (B, L) item (or special-token) indices.
            event_type_ids: (B, L) event-type indices; required when the model uses them.

        Returns:
            Each (B, L, dim): `item` (the item's own embedding), plus `features` (its mean
            side-feature embedding) and `event_type` where configured.

        Raises:
            ValueError: event types are configured and `event_type_ids` is None.
        """
        out = {"item": self.item(input_ids)}
        features = self._feature_table()
        if features is not None:
            out["features"] = F.embedding(input_ids, features)
        if self.event_type is not None:
            if event_type_ids is None:
                raise ValueError("this model uses event types: pass event_type_ids")
            out["event_type"] = self.event_type(event_type_ids)
        return out

    def forward(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        """(B, L, dim) input vectors of (B, L) item indices (+ their event types).

        Raises:
            ValueError: the model uses event types and `event_type_ids` is None.
        """
        embeds = F.embedding(input_ids, self.table())  # (B, L, D)
        if self.event_type is not None:
            if event_type_ids is None:
                raise ValueError("this model uses event types: pass event_type_ids")
            embeds = embeds + self.event_type(event_type_ids)
        return embeds


class EmbeddingInputs:
    """What every neural recommender does with its `self.embeddings` (an `ItemEmbeddings`):
    install side features, tie its output to the item table, and hand explanations the
    input vectors of the events scoring reads. A mixin: list it before `Recommender`.

    `history_window` is how many of the newest events scoring reads: `max_len`, unless a
    model keeps slots for itself (BERT4Rec's [MASK]).
    """

    embeddings: ItemEmbeddings
    config: Any

    @property
    def history_window(self) -> int:
        """How many of the newest events scoring reads: `max_len`."""
        return self.config.max_len

    def set_item_features(self, table: torch.Tensor) -> None:
        """Install the (num_items + 1, features_per_item) feature-token table."""
        self.embeddings.set_item_features(table)

    def item_representations(self) -> torch.Tensor:
        """(V, H) the tied item vectors: item embedding (+ mean side-feature embedding)."""
        return self.embeddings.table()

    def input_embeddings(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """The input vectors of the events scoring reads, by source; they sum to the input.

        Args:
            input_ids: (B, L) item indices (only the last `history_window` are read).
            event_type_ids: (B, L) event-type indices; required when the model uses them.

        Returns:
            Each (B, L', H), L' = min(L, history_window): `item` (the item's own
            embedding), plus `features` (its mean side-feature embedding) and
            `event_type` where the model has them. Explanations attribute to each part.
        """
        keep = self.history_window
        types = None if event_type_ids is None else event_type_ids[:, -keep:]
        return self.embeddings.parts(input_ids[:, -keep:], types)
