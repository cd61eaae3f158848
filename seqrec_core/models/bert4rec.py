"""BERT4Rec: bidirectional self-attention trained by cloze masking (Sun et al., CIKM 2019).

Embeddings → backbone → head:

- item embedding (+ event-type embedding) (+ mean of the item's side-feature embeddings)
  form `inputs_embeds`; the item table has a [MASK] row after the items
  (`mask_token = num_items + 1`);
- the backbone is HuggingFace's `BertModel`: post-LayerNorm bidirectional blocks with
  learned absolute positions, as in the paper;
- the head is the paper's GELU projection (+ LayerNorm, as in BERT's masked-LM head),
  then dot products with the tied item vectors plus an output bias.

Training: a batch in the shifted next-item format (`input_ids = w[:-1]`, `labels =
w[1:]`) is turned back into its window `w` (the inputs plus the final label, the oldest
event dropped beyond `max_len`); a random `mask_prob` share of its events, at least one
per row and possibly the newest, becomes [MASK], and full-softmax cross-entropy over the
catalog is taken at the masked positions only. Masking draws from torch's global RNG, so
a seeded run is reproducible. Scoring appends [MASK] after the user's newest event (the
oldest dropped beyond `max_len - 1` events) and reads that position only.

Deviations from the paper: no extra "mask only the last item" training samples; a
masked event's event type is hidden too (type 0, the zero padding vector), and so is the
type of the window's final event, which the shifted batch does not carry — hence the
appended [MASK] at scoring time also has type 0, exactly as in training. Positions count
from the right (the newest column is always `max_len - 1`), so left padding never
changes a score, and the scoring [MASK] always sits where training's final-event masks do.

Explanations: `input_embeddings` gives the item, side-feature and event-type parts of the
user's last `max_len - 1` events (not the [MASK]); `scores_from_embeddings` appends the
[MASK] vector and scores. The [MASK] is a constant, identical for every user, so an
attribution says how much each past event moved the score read at the [MASK] position;
`attention_maps` include the [MASK] as the last query and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn
from transformers import BertConfig, BertModel

from seqrec_core.checks import check_range
from seqrec_core.data.sequences import IGNORE_INDEX, Batch
from seqrec_core.models.attention import SwappableAttention
from seqrec_core.models.base import Recommender, default_mask
from seqrec_core.models.item_embeddings import EmbeddingInputs, ItemEmbeddings
from seqrec_core.models.losses import next_item_loss
from seqrec_core.models.transformer_config import TransformerConfig, bert_config


@dataclass(frozen=True)
class Bert4RecConfig(TransformerConfig):
    """BERT4Rec hyper-parameters (the paper's defaults, 2 heads, 2 layers)."""

    mask_prob: float = 0.2  # share of a window's events masked in training (≥ 1 per row)

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        # Scoring reads max_len - 1 events plus the [MASK]: at least one real event.
        check_range("max_len", self.max_len, 2, 4096, model=m)
        check_range("mask_prob", self.mask_prob, 0.0, 1.0, model=m)


def backbone_config(config: Bert4RecConfig) -> BertConfig:
    """The HuggingFace config of the backbone: the only place it is built."""
    return bert_config(config, causal=False)


def cloze_mask(real: torch.Tensor, mask_prob: float) -> torch.Tensor:
    """Which events to mask: each real one with probability `mask_prob`, ≥ 1 per row.

    Draws from torch's global RNG (of `real`'s device). A row that drew no mask gets its
    real event with the smallest draw; rows without real events stay unmasked.

    Args:
        real: (B, L) bool, true at real (non-padding) events.
        mask_prob: probability of masking each real event.

    Returns:
        (B, L) bool, true at masked events; never true at padding.
    """
    draw = torch.rand(real.shape, device=real.device)  # (B, L)
    masked = (draw < mask_prob) & real
    fallback = draw.masked_fill(~real, 2.0).argmin(dim=1, keepdim=True)  # (B, 1)
    needs_one = ~masked.any(dim=1, keepdim=True) & real.any(dim=1, keepdim=True)  # (B, 1)
    return masked | torch.zeros_like(masked).scatter_(1, fallback, needs_one)


class Bert4Rec(EmbeddingInputs, SwappableAttention, Recommender):
    """Bidirectional transformer recommender (see the module docstring)."""

    name: ClassVar[str] = "bert4rec"
    config: Bert4RecConfig

    def __init__(self, config: Bert4RecConfig) -> None:
        super().__init__()
        self.config = config
        self.mask_token = config.num_items + 1
        hidden = config.hidden_size
        self.embeddings = ItemEmbeddings.for_config(config, hidden, extra_tokens=1)  # [MASK]
        self.backbone = BertModel(backbone_config(config), add_pooling_layer=False)
        # Fed `inputs_embeds` only: a frozen word table keeps DDP free of unused parameters.
        self.backbone.embeddings.word_embeddings.weight.requires_grad_(False)
        self.head = nn.Sequential(
            nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden, eps=config.layer_norm_eps)
        )
        self.output_bias = nn.Parameter(torch.zeros(config.num_items))

    @property
    def history_window(self) -> int:
        """How many of the newest events scoring reads: `max_len - 1` ([MASK] takes one)."""
        return self.config.max_len - 1

    def encode_embeddings(
        self,
        inputs_embeds: torch.Tensor,
        attention_mask: torch.Tensor,
        *,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """Hidden states (B, L, H) from (B, L ≤ max_len, H) input vectors, [MASK]s included."""
        # Position = max_len - (real events from here to the newest): left padding and
        # trimming never move a real event, and the newest is always max_len - 1.
        from_newest = attention_mask.flip(1).cumsum(dim=1).flip(1)  # (B, L)
        positions = (self.config.max_len - from_newest).clamp(min=0)  # (B, L)
        out = self.backbone(
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            position_ids=positions,
            output_attentions=output_attentions,
        )
        return out.last_hidden_state, (out.attentions if output_attentions else None)

    def encode(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        event_type_ids: torch.Tensor | None = None,
        *,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """Hidden states (B, L, H) of a prepared (B, L ≤ max_len) sequence, [MASK]s included."""
        embeds = self.embeddings(input_ids, event_type_ids)  # (B, L, H)
        return self.encode_embeddings(embeds, attention_mask, output_attentions=output_attentions)

    def scores_from_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, num_items + 1) scores from the events' (B, L, H) input vectors.

        Appends the [MASK] (its item vector, event type 0 = the zero vector) as in
        `score_items` and reads its position; differentiable in `inputs_embeds`.
        """
        keep = self.history_window
        embeds, mask = inputs_embeds[:, -keep:], attention_mask[:, -keep:].long()
        token = self.embeddings.item.weight[self.mask_token]  # (H,)
        column = token.expand(embeds.shape[0], 1, -1)  # (B, 1, H)
        embeds = torch.cat([embeds, column], dim=1)  # (B, L' + 1, H)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)  # (B, L' + 1)
        hidden, _ = self.encode_embeddings(embeds, mask)
        logits = self.item_logits(hidden[:, -1])  # (B, V - 1)
        padding = torch.full_like(logits[:, :1], float("-inf"))  # (B, 1)
        return torch.cat([padding, logits], dim=1)  # (B, V)

    def item_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """(N, num_items) scores of the real items (columns 1..num_items) for (N, H) states."""
        items = self.item_representations()[1 : self.mask_token]  # (num_items, H)
        return self.head(hidden) @ items.T + self.output_bias

    def forward(self, batch: Batch) -> torch.Tensor:
        """Mean cloze loss over the masked events of the batch's windows."""
        input_ids, labels = batch["input_ids"], batch["labels"]
        # The window: the inputs plus the final label (IGNORE_INDEX → padding).
        newest = labels[:, -1:].masked_fill(labels[:, -1:] == IGNORE_INDEX, 0)  # (B, 1)
        ids = torch.cat([input_ids, newest], dim=1)[:, -self.config.max_len :]  # (B, L')
        real = torch.cat(
            [default_mask(input_ids, batch.get("attention_mask")), (newest > 0).long()], dim=1
        )[:, -self.config.max_len :]  # (B, L')
        masked = cloze_mask(real.bool(), self.config.mask_prob)  # (B, L')
        types = batch.get("event_type_ids")
        if types is not None:
            # The final event's type is not in the batch; masked events' types are hidden.
            types = torch.cat([types, torch.zeros_like(newest)], dim=1)[:, -self.config.max_len :]
            types = types.masked_fill(masked, 0)
        hidden, _ = self.encode(ids.masked_fill(masked, self.mask_token), real, types)
        targets = ids[masked] - 1  # (T,) column of the target among the real items
        return next_item_loss(
            self.head(hidden[masked]),
            targets,
            self.embeddings,  # the real items: rows 1..num_items, [MASK] excluded
            loss=self.config.loss,
            num_negatives=self.config.num_negatives,
            allowed=self.embeddings.candidate_mask(),
            bias=self.output_bias,
        )

    def _with_mask_token(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None,
        event_type_ids: torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """The last `max_len - 1` events with [MASK] (type 0) appended: ids, mask, types."""
        keep = self.config.max_len - 1  # ≥ 1, validated
        mask = default_mask(input_ids, attention_mask)[:, -keep:]
        column = torch.ones_like(mask[:, :1])  # (B, 1)
        ids = torch.cat([input_ids[:, -keep:], column * self.mask_token], dim=1)  # (B, L')
        types = None
        if event_type_ids is not None:
            types = torch.cat([event_type_ids[:, -keep:], column * 0], dim=1)  # (B, L')
        return ids, torch.cat([mask, column], dim=1), types

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, num_items + 1) next-item scores read at the appended [MASK]; column 0 -inf."""
        hidden, _ = self.encode(*self._with_mask_token(input_ids, attention_mask, event_type_ids))
        logits = self.item_logits(hidden[:, -1])  # (B, V - 1)
        padding = torch.full_like(logits[:, :1], float("-inf"))  # (B, 1)
        return torch.cat([padding, logits], dim=1)  # (B, V)

    def shopper_states(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, H) the transformed [MASK] state `score_items` reads: its scores are
        states @ `scoring_items()[0].T` + the per-item bias."""
        hidden, _ = self.encode(*self._with_mask_token(input_ids, attention_mask, event_type_ids))
        return self.head(hidden[:, -1])

    def scoring_items(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(V, H) item vectors (padding row first, [MASK] left out) and the (V,) bias."""
        items = self.item_representations()[: self.mask_token]  # (num_items + 1, H)
        bias = torch.cat([self.output_bias.new_zeros(1), self.output_bias])  # (V,)
        return items, bias

    def attention_maps(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Per-layer attention weights of the scoring pass, each (B, num_heads, L', L').

        L' covers the last `max_len - 1` input columns plus the appended [MASK], which is
        the last query and key; its row is the attention the scores are read from. Rows
        of padding queries are meaningless; real queries give padding zero weight.
        """
        prepared = self._with_mask_token(input_ids, attention_mask, event_type_ids)
        with self.attention_kernel("eager"):
            _, attentions = self.encode(*prepared, output_attentions=True)
        assert attentions is not None
        return tuple(attentions)
