"""The settings the transformer recommenders share (SASRec, BERT4Rec) and their checks.

Each model's config subclasses `TransformerConfig`, sets its own defaults and adds its
own fields; `bert_config` is the one place a HuggingFace `BertConfig` is built from it
(causal for SASRec, bidirectional for BERT4Rec).
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import BertConfig

from seqrec_core.checks import check_choice, check_range
from seqrec_core.errors import ConfigError
from seqrec_core.models.attention import ATTENTION_KERNELS
from seqrec_core.models.base import SideInputsConfig


@dataclass(frozen=True)
class TransformerConfig(SideInputsConfig):
    """Width, depth, heads, dropout and kernel of a transformer recommender."""

    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 2
    inner_size: int = 256  # feed-forward width
    dropout: float = 0.2  # on embeddings, residual branches and the feed-forward
    attention_dropout: float = 0.2  # on attention weights
    initializer_range: float = 0.02  # std of the normal initialisation
    layer_norm_eps: float = 1e-12
    attn_implementation: str = "sdpa"  # kernel for training and scoring

    def __post_init__(self) -> None:
        super().__post_init__()
        m = type(self).__name__
        check_range("hidden_size", self.hidden_size, 2, 8192, model=m)
        check_range("num_layers", self.num_layers, 1, 48, model=m)
        check_range("num_heads", self.num_heads, 1, self.hidden_size, model=m)
        if self.hidden_size % self.num_heads:
            raise ConfigError(
                f"{m}.hidden_size = {self.hidden_size} must be a multiple of "
                f"num_heads = {self.num_heads}"
            )
        check_range("inner_size", self.inner_size, 1, model=m)
        check_range("dropout", self.dropout, 0.0, 0.95, model=m)
        check_range("attention_dropout", self.attention_dropout, 0.0, 0.95, model=m)
        check_range("initializer_range", self.initializer_range, 1e-6, 1.0, model=m)
        check_range("layer_norm_eps", self.layer_norm_eps, 0.0, 1.0, model=m)
        check_choice("attn_implementation", self.attn_implementation, ATTENTION_KERNELS, model=m)


def bert_config(config: TransformerConfig, *, causal: bool) -> BertConfig:
    """The HuggingFace `BertConfig` of a transformer recommender's backbone."""
    return BertConfig(
        vocab_size=1,  # unused: the backbone is fed `inputs_embeds`, never token ids
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_layers,
        num_attention_heads=config.num_heads,
        intermediate_size=config.inner_size,
        hidden_act="gelu",
        hidden_dropout_prob=config.dropout,
        attention_probs_dropout_prob=config.attention_dropout,
        max_position_embeddings=config.max_len,
        type_vocab_size=1,
        initializer_range=config.initializer_range,
        layer_norm_eps=config.layer_norm_eps,
        pad_token_id=0,
        is_decoder=causal,  # causal: each position sees only earlier ones
        add_cross_attention=False,
        use_cache=False,
        attn_implementation=config.attn_implementation,
    )
