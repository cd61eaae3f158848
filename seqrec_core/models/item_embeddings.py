"""The input side of a sequence recommender: item id, item text, side-feature and event vectors.

An item's vector is the sum of up to three parts, and models tie their output layer to
`table()`:

- `item`: its own (id) embedding;
- `text`: its pretrained text vector (from `seqrec_core.text`) through a learned linear
  projection to the model width, when the model reads item text (`item_input`):
  `"text+id"` adds an id embedding whose length is capped at `id_delta_norm` (the
  bounded delta of "Let It Go", RecSys 2025: text carries the item, the id only corrects
  it), `"text"` uses no id embedding for items that have text. Items without text keep a
  full id embedding; items without training events (`trained` false: new products) get
  no id part at all, so their vector comes from their text alone;
- `features`: the mean embedding of its side-feature tokens (category-path levels,
  brand, attributes), the representation SASRec uses.

Event-type embeddings are added per position. Rows past `num_items` (`extra_tokens`,
e.g. BERT4Rec's [MASK]) have neither text nor side features. `parts` returns the sources
separately (for attributions); they sum to `forward`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from seqrec_core.models.loss_choice import SAMPLED_LOSSES


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
        item_input: "id", "text+id" or "text" (see the module docstring).
        text_dim: width of the item text vectors (with a text `item_input`).
        id_delta_norm: the longest id part of an item with text under "text+id"; 0: no cap.
        id_dropout: in training, the share of items with text whose id part is dropped at
            each step (their vector is then their text alone, as for a new product).
        sparse_rows: the id table's gradient holds only the rows a step read (a sparse
            tensor, for `torch.optim.SparseAdam`): with the sampled softmax a step reads a
            few thousand of a large catalog's rows, and a dense gradient and update of all
            of them was most of the step. Training turns it off where it cannot be used
            (several processes).
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
        item_input: str = "id",
        text_dim: int = 0,
        id_delta_norm: float = 0.0,
        id_dropout: float = 0.0,
        sparse_rows: bool = False,
    ) -> None:
        super().__init__()
        self.sparse_rows = sparse_rows
        self.extra_tokens = extra_tokens
        self.num_items = num_items
        self.item_input = item_input
        self.id_delta_norm = id_delta_norm
        self.id_dropout = id_dropout
        self.item = nn.Embedding(num_items + 1 + extra_tokens, dim, padding_idx=0)
        self.event_type = (
            nn.Embedding(num_event_types + 1, dim, padding_idx=0) if num_event_types else None
        )
        self.feature = (
            nn.Embedding(num_feature_tokens + 1, dim, padding_idx=0) if num_feature_tokens else None
        )
        # (key, the parts' tables, their sum), reused without gradients: see `_tables`.
        self._cached: tuple[tuple[int, ...], dict[str, torch.Tensor], torch.Tensor] | None = None
        # (id table version, the rows `id_dropout` drops in this step): see `_dropped`.
        self._drop: tuple[tuple[int, int], torch.Tensor] | None = None
        # item index → its side-feature token indices, 0-padded; set with `set_item_features`.
        self.register_buffer(
            "item_features", torch.zeros(num_items + 1, features_per_item, dtype=torch.long)
        )
        self.text_proj = nn.Linear(text_dim, dim) if item_input != "id" else None
        if self.text_proj is not None:
            # Set with `set_item_text` and `set_trained_items`; saved with the weights.
            self.register_buffer("text_vectors", torch.zeros(num_items + 1, text_dim))
            self.register_buffer("has_text", torch.zeros(num_items + 1, dtype=torch.bool))
            self.register_buffer("trained", torch.ones(num_items + 1, dtype=torch.bool))
        for embedding in (self.item, self.event_type, self.feature):
            if embedding is not None:
                nn.init.normal_(embedding.weight, std=init_std)
                with torch.no_grad():
                    embedding.weight[0].zero_()

    @classmethod
    def for_config(cls, config: Any, dim: int, *, extra_tokens: int = 0) -> ItemEmbeddings:
        """The input embeddings a model config (a `SideInputsConfig`) asks for."""
        return cls(
            config.num_items,
            dim,
            extra_tokens=extra_tokens,
            num_event_types=config.num_event_types if config.use_event_types else 0,
            num_feature_tokens=config.num_feature_tokens if config.use_side_features else 0,
            features_per_item=config.features_per_item,
            init_std=config.initializer_range,
            item_input=config.item_input,
            text_dim=config.text_dim,
            id_delta_norm=config.id_delta_norm,
            id_dropout=config.id_dropout,
            sparse_rows=config.loss in SAMPLED_LOSSES,
        )

    def set_item_features(self, table: torch.Tensor) -> None:
        """Install the (num_items + 1, features_per_item) feature-token table."""
        if table.shape != self.item_features.shape:
            raise ValueError(
                f"item feature table {tuple(table.shape)} ≠ {tuple(self.item_features.shape)}"
            )
        self.item_features.copy_(table)

    @property
    def reads_text(self) -> bool:
        """True when item vectors include a projected text vector."""
        return self.text_proj is not None

    def set_item_text(self, vectors: torch.Tensor, has_text: torch.Tensor) -> None:
        """Install the (num_items + 1, text_dim) text vectors and the (num_items + 1,) mask."""
        if not self.reads_text:
            raise ValueError("this model reads no item text (item_input = 'id')")
        if vectors.shape != self.text_vectors.shape or has_text.shape != self.has_text.shape:
            raise ValueError(f"item text {tuple(vectors.shape)} ≠ {tuple(self.text_vectors.shape)}")
        self.text_vectors.copy_(vectors)
        self.has_text.copy_(has_text.bool())
        self.has_text[0] = False  # padding

    def set_trained_items(self, trained: torch.Tensor) -> None:
        """Mark the (num_items + 1,) items that have training events (the rest are new)."""
        if self.reads_text:
            self.trained.copy_(trained.bool())

    def candidate_mask(self) -> torch.Tensor | None:
        """(num_items,) items a training softmax may score: those with training events.

        None when the model reads no text: id-only models score the whole catalog in
        training, as before. With text, new products are not known to exist in training,
        exactly as in a shop where they are added later.
        """
        return self.trained[1:] if self.reads_text else None

    def _cache_key(self) -> tuple[int, ...]:
        """Changes whenever a weight or buffer the table reads is written to.

        (torch bumps a tensor's `_version` on every in-place write: optimizer steps,
        `load_state_dict`, `set_item_features`, `set_item_text`.)
        """
        tensors = [*self.parameters(), *self.buffers()]
        return (int(self.training), *(x for t in tensors for x in (t._version, t.data_ptr())))

    def _index(self, index: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """`index` (every row when None) clamped to the item rows, and which are items."""
        if index is None:
            index = torch.arange(self.item.num_embeddings, device=self.item.weight.device)
        return index.clamp(max=self.num_items), index <= self.num_items

    def _feature_rows(self, index: torch.Tensor | None) -> torch.Tensor | None:
        """(R, dim) each row's mean side-feature embedding (extra rows: 0)."""
        if self.feature is None:
            return None
        items, real = self._index(index)
        features = self.item_features[items] * real.unsqueeze(1)  # (R, F)
        tokens = self.feature(features)  # (R, F, D)
        count = (features > 0).sum(dim=1, keepdim=True).clamp(min=1)  # (R, 1)
        return tokens.sum(dim=1) / count  # (R, D)

    def _text_rows(self, index: torch.Tensor | None) -> torch.Tensor | None:
        """(R, dim) each row's projected text vector (0: no text, or an extra row)."""
        if self.text_proj is None:
            return None
        if index is None:  # the whole table: no copy of the text vectors
            projected = self.text_proj(self.text_vectors) * self.has_text.unsqueeze(1)
            return F.pad(projected, (0, 0, 0, self.extra_tokens))
        items, real = self._index(index)
        return self.text_proj(self.text_vectors[items]) * (self.has_text[items] & real).unsqueeze(1)

    def _id_lookup(self, index: torch.Tensor) -> torch.Tensor:
        """The id table's rows at `index` (padding gets no gradient; sparse with `sparse_rows`)."""
        return F.embedding(index, self.item.weight, padding_idx=0, sparse=self.sparse_rows)

    def _id_rows(self, index: torch.Tensor | None) -> torch.Tensor:
        """(R, dim) the id part of each row (see module docstring)."""
        weight = self.item.weight if index is None else self._id_lookup(index)
        if self.text_proj is None:
            return weight
        items, real = self._index(index)
        with_text = self.has_text[items] & real
        if self.item_input == "text":
            capped = torch.zeros_like(weight)
        elif self.id_delta_norm > 0:
            norms = weight.norm(dim=1, keepdim=True).clamp(min=1e-12)
            capped = weight * (self.id_delta_norm / norms).clamp(max=1.0)
        else:
            capped = weight
        keep = self.trained[items] | ~real  # extra rows (special tokens) keep theirs
        if self.training and self.id_dropout > 0:
            keep = keep & ~(self._dropped()[items] & with_text)
        return torch.where(with_text.unsqueeze(1), capped, weight) * keep.unsqueeze(1)

    def _dropped(self) -> torch.Tensor:
        """(V',) the rows whose id part this training step drops (`id_dropout`).

        One draw per optimizer step (keyed on the id table's version, which every step
        bumps), so the rows a step builds separately (inputs, targets, negatives) agree.
        """
        weight = self.item.weight
        key = (weight._version, weight.data_ptr())
        if self._drop is None or self._drop[0] != key:
            draw = torch.rand(self.item.num_embeddings, device=weight.device) < self.id_dropout
            self._drop = (key, draw)
        return self._drop[1]

    def _parts_rows(self, index: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The id, text and feature parts (those the model has) of the rows `index`, each
        (R, dim); every row of the table (R = V') when `index` is None."""
        out = {"item": self._id_rows(index)}
        text = self._text_rows(index)
        if text is not None:
            out["text"] = text
        features = self._feature_rows(index)
        if features is not None:
            out["features"] = features
        return out

    def table(self) -> torch.Tensor:
        """(num_items + 1 + extra_tokens, dim) the item vectors the output layer is tied to.

        Scoring without gradients reuses the last table while no weight or buffer changed.
        """
        if self.feature is None and self.text_proj is None:
            return self.item.weight
        return self._tables()[1]

    def rows(self, index: torch.Tensor) -> torch.Tensor:
        """(*index.shape, dim) `table()[index]`, built for the rows in `index` alone.

        A training step reads only its batch's items (and, with the sampled softmax, its
        targets and negatives): building all 250k rows of a large catalog's table at every
        step, to read a few thousand, was most of the step. Without gradients the cached
        table serves.
        """
        if self.feature is None and self.text_proj is None:
            return self._id_lookup(index)
        if not torch.is_grad_enabled():
            return F.embedding(index, self.table())
        unique, inverse = torch.unique(index, return_inverse=True)
        return F.embedding(inverse, sum(self._parts_rows(unique).values()))

    def real_table(self) -> torch.Tensor:
        """(num_items, dim) the real items' rows of `table()` (no padding or extra rows)."""
        return self.table()[1 : self.num_items + 1]

    def real_rows(self, columns: torch.Tensor) -> torch.Tensor:
        """(*columns.shape, dim) the vectors of the real items at 0-based `columns`."""
        return self.rows(columns + 1)

    def _tables(self) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """The parts' tables and their sum; without gradients, reused while no weight or
        buffer changed (scoring, recommending and searching call this on every pass)."""
        reuse = not torch.is_grad_enabled()
        key = self._cache_key() if reuse else ()
        if reuse and self._cached is not None and self._cached[0] == key:
            return self._cached[1], self._cached[2]
        parts = self._parts_rows()
        table = sum(parts.values())
        self._cached = (key, parts, table) if reuse else None
        return parts, table

    def parts(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """The input vectors of `forward` split by source; their sum is `forward`'s output.

        Args:
            input_ids: (B, L) item (or special-token) indices.
            event_type_ids: (B, L) event-type indices; required when the model uses them.

        Returns:
            Each (B, L, dim): `item` (the item's id part), plus `text` (its projected text
            vector), `features` (its mean side-feature embedding) and `event_type` where
            configured.

        Raises:
            ValueError: event types are configured and `event_type_ids` is None.
        """
        if self.feature is None and self.text_proj is None:
            out = {"item": self._id_lookup(input_ids)}
        elif torch.is_grad_enabled():
            unique, inverse = torch.unique(input_ids, return_inverse=True)
            out = {n: F.embedding(inverse, part) for n, part in self._parts_rows(unique).items()}
        else:
            out = {name: F.embedding(input_ids, t) for name, t in self._tables()[0].items()}
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
        embeds = self.rows(input_ids)  # (B, L, D)
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

    def set_item_text(self, vectors: torch.Tensor, has_text: torch.Tensor) -> None:
        """Install the (num_items + 1, text_dim) item text vectors and which items have text."""
        self.embeddings.set_item_text(vectors, has_text)

    def set_trained_items(self, trained: torch.Tensor) -> None:
        """Mark the (num_items + 1,) items with training events (only text models keep it)."""
        self.embeddings.set_trained_items(trained)

    def sparse_parameters(self) -> list[nn.Parameter]:
        """Parameters whose gradients are sparse (the id table with `sparse_rows`)."""
        return [self.embeddings.item.weight] if self.embeddings.sparse_rows else []

    def item_representations(self) -> torch.Tensor:
        """(V, H) the tied item vectors: id part (+ projected text) (+ mean side features)."""
        return self.embeddings.table()

    def input_embeddings(
        self, input_ids: torch.Tensor, event_type_ids: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """The input vectors of the events scoring reads, by source; they sum to the input.

        Args:
            input_ids: (B, L) item indices (only the last `history_window` are read).
            event_type_ids: (B, L) event-type indices; required when the model uses them.

        Returns:
            Each (B, L', H), L' = min(L, history_window): `item` (the item's id part),
            plus `text` (its projected text vector), `features` (its mean side-feature
            embedding) and `event_type` where the model has them. Explanations attribute
            to each part.
        """
        keep = self.history_window
        types = None if event_type_ids is None else event_type_ids[:, -keep:]
        return self.embeddings.parts(input_ids[:, -keep:], types)
