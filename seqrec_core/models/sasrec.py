"""SASRec: causal self-attention over a user's recent items (Kang & McAuley, ICDM 2018).

Embeddings → backbone → head:

- item embedding (+ event-type embedding) (+ mean of the item's side-feature embeddings:
  category-path levels, brand, attributes) form `inputs_embeds`;
- the backbone is a HuggingFace transformer fed `inputs_embeds`: by default a causal
  `BertModel` (`is_decoder=True`; post-LayerNorm blocks, learned absolute positions, the
  embedding LayerNorm and dropout; what RecBole's SASRec uses), or `GPT2Model`
  (`backbone="gpt2"`: pre-LayerNorm blocks with a final LayerNorm, the block layout of
  the original SASRec paper);
- scores are dot products with the same (tied) item representations.

Deviations from the paper: full-softmax cross-entropy over the catalog at every position
instead of one sampled negative with binary CE (the single change that matters most,
Klenitskiy & Vasilev, RecSys 2023), or a sampled softmax (shared negatives, uniform or
half from the step's targets) for catalogs too large for it (`seqrec_core.models.losses`).
Positions count real events from the oldest one read (padding gets none), so trimming or
adding left padding never changes a score.
Training uses PyTorch's SDPA kernel; `attention_maps` switches to eager attention, which
is the only kernel that returns weights (the scores are the same, a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

from seqrec_core.checks import check_choice
from seqrec_core.data.sequences import IGNORE_INDEX, Batch
from seqrec_core.models.attention import SwappableAttention
from seqrec_core.models.base import Recommender, default_mask
from seqrec_core.models.item_embeddings import EmbeddingInputs, ItemEmbeddings
from seqrec_core.models.losses import next_item_loss
from seqrec_core.models.transformer_config import TransformerConfig, bert_config

BACKBONES = ("bert", "gpt2")


@dataclass(frozen=True)
class SASRecConfig(TransformerConfig):
    """SASRec hyper-parameters; defaults are tuned for Amazon Beauty-sized catalogs."""

    num_heads: int = 1
    dropout: float = 0.5  # on embeddings, residual branches and the feed-forward
    attention_dropout: float = 0.5  # on attention weights
    layer_norm_eps: float = 1e-8
    backbone: str = "bert"  # "bert": post-LN causal BertModel; "gpt2": pre-LN GPT2Model

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        check_choice("backbone", self.backbone, BACKBONES, model=m)


def backbone_config(config: SASRecConfig) -> BertConfig | GPT2Config:
    """The HuggingFace config of the backbone: the only place it is built."""
    if config.backbone == "bert":
        return bert_config(config, causal=True)
    return GPT2Config(
        vocab_size=1,  # unused: the backbone is fed `inputs_embeds`, never token ids
        n_positions=config.max_len,
        n_embd=config.hidden_size,
        n_layer=config.num_layers,
        n_head=config.num_heads,
        n_inner=config.inner_size,
        activation_function="gelu",
        resid_pdrop=config.dropout,
        embd_pdrop=config.dropout,
        attn_pdrop=config.attention_dropout,
        layer_norm_epsilon=config.layer_norm_eps,
        initializer_range=config.initializer_range,
        use_cache=False,
        bos_token_id=None,
        eos_token_id=None,
        attn_implementation=config.attn_implementation,
    )


class SASRec(EmbeddingInputs, SwappableAttention, Recommender):
    """Causal transformer recommender (see the module docstring)."""

    name: ClassVar[str] = "sasrec"
    config: SASRecConfig

    def __init__(self, config: SASRecConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.embeddings = ItemEmbeddings.for_config(config, hidden)
        hf_config = backbone_config(config)
        self.backbone = (
            BertModel(hf_config, add_pooling_layer=False)
            if isinstance(hf_config, BertConfig)
            else GPT2Model(hf_config)
        )
        # The backbone's own token embedding is never used (it is fed `inputs_embeds`);
        # frozen, so data-parallel training sees no parameter without a gradient.
        self.backbone.get_input_embeddings().requires_grad_(False)

    def encode_embeddings(
        self,
        inputs_embeds: torch.Tensor,
        attention_mask: torch.Tensor,
        *,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """Hidden states (B, L, H) from input embeddings (B, L, H) and the (B, L) mask."""
        # Positions count real events from the oldest one read (as HF does for left
        # padding), so padding never shifts them and every training position matches a
        # prefix a user could have at scoring time.
        positions = (attention_mask.cumsum(dim=1) - 1).clamp(min=0)  # (B, L)
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
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
        *,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """Hidden states (B, L, H) of the last `max_len` columns, and attentions on request."""
        mask = default_mask(input_ids, attention_mask)[:, -self.config.max_len :]
        embeds = sum(self.input_embeddings(input_ids, event_type_ids).values())  # (B, L, H)
        return self.encode_embeddings(embeds, mask, output_attentions=output_attentions)

    def scores_from_embeddings(
        self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, V) next-item scores from input embeddings (for gradient attributions)."""
        hidden, _ = self.encode_embeddings(inputs_embeds, attention_mask)
        scores = hidden[:, -1] @ self.item_representations().T  # (B, V)
        return scores.index_fill(1, torch.tensor([0], device=scores.device), float("-inf"))

    def forward(self, batch: Batch) -> torch.Tensor:
        """Mean next-item loss over every labelled position of the batch."""
        hidden, _ = self.encode(
            batch["input_ids"], batch.get("attention_mask"), batch.get("event_type_ids")
        )
        labels = batch["labels"][:, -self.config.max_len :]
        keep = labels != IGNORE_INDEX
        states, targets = hidden[keep], labels[keep]  # (T, H), (T,)
        return next_item_loss(
            states,
            targets - 1,  # column 0 is padding: real items are columns 1..V - 1
            self.embeddings,
            loss=self.config.loss,
            num_negatives=self.config.num_negatives,
            allowed=self.embeddings.candidate_mask(),
        )

    def score_items(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, V) next-item scores from the last position; padding column is -inf."""
        hidden, _ = self.encode(input_ids, attention_mask, event_type_ids)
        scores = hidden[:, -1] @ self.item_representations().T  # (B, V)
        scores[:, 0] = float("-inf")  # in place is safe: mm does not keep its output
        return scores

    def shopper_states(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(B, H) the state `score_items` reads: scores = states @ `scoring_items().T`."""
        hidden, _ = self.encode(input_ids, attention_mask, event_type_ids)
        return hidden[:, -1]

    def scoring_items(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(V, H) item vectors the states are scored against, and no per-item bias."""
        return self.item_representations(), None

    def attention_maps(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        event_type_ids: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Per-layer attention weights, each (B, num_heads, L, L) (query × key).

        Rows of padding queries are meaningless (they attend uniformly) and should be
        ignored; real queries give zero weight to padding and to later events.
        """
        with self.attention_kernel("eager"):
            _, attentions = self.encode(
                input_ids, attention_mask, event_type_ids, output_attentions=True
            )
        assert attentions is not None
        return tuple(attentions)
