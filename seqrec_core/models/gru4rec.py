"""GRU4Rec: a recurrent network over a user's recent items (Hidasi et al., ICLR 2016).

Embeddings → backbone → head:

- item embedding (+ event-type embedding) (+ mean of the item's side-feature
  embeddings), with dropout;
- the backbone is `nn.GRU` (batch first, `num_layers` stacked);
- a dense layer maps each hidden state to the embedding width, and scores are dot
  products with the same (tied) item vectors.

This is the "improved" GRU4Rec as RecBole implements it and Hidasi & Czapp (RecSys 2023)
recommend: full-softmax cross-entropy over the catalog at every labelled position,
instead of the paper's session-parallel mini-batches with sampled BPR/TOP1 losses. The
paper embeds one-hot items; we use a learned embedding tied to the output.

Left padding: a GRU updates its state even on all-zero inputs (its biases alone move
it), so running it over left-padded rows would let the amount of padding change the
scores. Each row is therefore rotated to right padding (real events first, in order),
run through the GRU — where trailing padding can only affect the outputs after the real
events — and rotated back, so output column t is the state after input column t. This
needs no packing (no host sync for the lengths) and keeps cuDNN's fused kernel.

Explanations split scoring at the input vectors, as for SASRec: `input_embeddings` gives
the item, side-feature and event-type parts per event, `scores_from_embeddings` scores
their sum (differentiable). There is no attention to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from seqrec_core.checks import check_range
from seqrec_core.data.sequences import IGNORE_INDEX, Batch
from seqrec_core.models.base import Recommender, SideInputsConfig, default_mask
from seqrec_core.models.item_embeddings import EmbeddingInputs, ItemEmbeddings
from seqrec_core.models.losses import next_item_loss


@dataclass(frozen=True)
class GRU4RecConfig(SideInputsConfig):
    """GRU4Rec hyper-parameters (RecBole's defaults, plus embedding dropout 0.3)."""

    embedding_size: int = 64
    hidden_size: int = 128  # GRU state width
    num_layers: int = 1
    dropout: float = 0.3  # on the input embeddings
    initializer_range: float = 0.02  # std of the embeddings' normal initialisation

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        check_range("embedding_size", self.embedding_size, 1, 8192, model=m)
        check_range("hidden_size", self.hidden_size, 1, 8192, model=m)
        check_range("num_layers", self.num_layers, 1, 16, model=m)
        check_range("dropout", self.dropout, 0.0, 0.95, model=m)
        check_range("initializer_range", self.initializer_range, 1e-6, 1.0, model=m)


def rotate_rows(x: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Rotate each row left by its own shift: `out[b, j] = x[b, (j + shifts[b]) % L]`.

    With `shifts = L - lengths` a left-padded (B, L, D) batch becomes right-padded, and
    `shifts = lengths` turns it back.

    Args:
        x: (B, L, D) per-position vectors.
        shifts: (B,) integer shifts.

    Returns:
        (B, L, D) the rotated rows.
    """
    length = x.shape[1]
    columns = torch.arange(length, device=x.device)  # (L,)
    index = (columns.unsqueeze(0) + shifts.unsqueeze(1)) % length  # (B, L)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[2]))  # (B, L, D)


class GRU4Rec(EmbeddingInputs, Recommender):
    """Recurrent recommender (see the module docstring)."""

    name: ClassVar[str] = "gru4rec"
    config: GRU4RecConfig

    def __init__(self, config: GRU4RecConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = ItemEmbeddings.for_config(config, config.embedding_size)
        self.embedding_dropout = nn.Dropout(config.dropout)
        self.gru = nn.GRU(
            config.embedding_size, config.hidden_size, config.num_layers, batch_first=True
        )
        self.dense = nn.Linear(config.hidden_size, config.embedding_size)

    def encode_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, L, E) output vectors from (B, L, E) input vectors and the (B, L) mask.

        Real events must be contiguous at the right (left padding), as in every batch;
        padding columns output zeros.
        """
        embeds = self.embedding_dropout(inputs_embeds)  # (B, L, E)
        lengths, width = attention_mask.sum(dim=1), inputs_embeds.shape[1]  # (B,), L
        states, _ = self.gru(rotate_rows(embeds, width - lengths))  # (B, L, H), right-padded
        out = self.dense(rotate_rows(states, lengths))  # (B, L, E), left-padded again
        # Padding columns would hold states run past the real events: zero them instead
        # (a row without events then scores every item 0).
        return out * attention_mask.unsqueeze(-1)

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, L, E) output vectors of the last `max_len` columns; column t sees ≤ t only."""
        input_ids = input_ids[:, -self.config.max_len :]
        mask = default_mask(input_ids, attention_mask)[:, -self.config.max_len :]
        if event_type_ids is not None:
            event_type_ids = event_type_ids[:, -self.config.max_len :]
        return self.encode_embeddings(self.embeddings(input_ids, event_type_ids), mask)

    def scores_from_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, V) next-item scores from (B, L, E) input vectors (for gradient attributions)."""
        width = self.config.max_len
        hidden = self.encode_embeddings(
            inputs_embeds[:, -width:], attention_mask[:, -width:].long()
        )
        scores = hidden[:, -1] @ self.item_representations().T  # (B, V)
        return scores.index_fill(1, torch.tensor([0], device=scores.device), float("-inf"))

    def forward(self, batch: Batch) -> torch.Tensor:
        """Mean next-item loss over every labelled position of the batch."""
        hidden = self.encode(
            batch["input_ids"], batch.get("attention_mask"), batch.get("event_type_ids")
        )
        labels = batch["labels"][:, -self.config.max_len :]
        keep = labels != IGNORE_INDEX
        states, targets = hidden[keep], labels[keep]  # (T, E), (T,)
        # Column 0 is padding: score only real items and shift the targets by one.
        return next_item_loss(
            states,
            targets - 1,
            self.embeddings,
            loss=self.config.loss,
            num_negatives=self.config.num_negatives,
            allowed=self.embeddings.candidate_mask(),
        )

    def shopper_states(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, E) the state `score_items` reads: scores = states @ `scoring_items().T`."""
        return self.encode(input_ids, attention_mask, event_type_ids)[:, -1]

    def scoring_items(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(V, E) item vectors the states are scored against, and no per-item bias."""
        return self.item_representations(), None

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, V) next-item scores from the state after the last column; padding is -inf."""
        hidden = self.encode(input_ids, attention_mask, event_type_ids)
        scores = hidden[:, -1] @ self.item_representations().T  # (B, V)
        scores[:, 0] = float("-inf")  # in place is safe: mm does not keep its output
        return scores
