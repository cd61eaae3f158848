"""Sequence recommenders and baselines behind one interface, and their registry.

`MODELS` maps a model name (as used by the CLI and the Train page) to its config class
and model class; `build_model` creates one from keyword settings.
"""

from __future__ import annotations

from typing import Any

from seqrec_core.errors import ConfigError
from seqrec_core.models.base import ModelConfig, Recommender
from seqrec_core.models.baselines import CoocConfig, CoocRecommender, PopConfig, PopRecommender
from seqrec_core.models.bert4rec import Bert4Rec, Bert4RecConfig
from seqrec_core.models.gru4rec import GRU4Rec, GRU4RecConfig
from seqrec_core.models.sasrec import SASRec, SASRecConfig

MODELS: dict[str, tuple[type[ModelConfig], type[Recommender]]] = {
    "sasrec": (SASRecConfig, SASRec),
    "bert4rec": (Bert4RecConfig, Bert4Rec),
    "gru4rec": (GRU4RecConfig, GRU4Rec),
    "pop": (PopConfig, PopRecommender),
    "cooc": (CoocConfig, CoocRecommender),
}

# Plain-language help for the Train page and `--help`, one line per model.
MODEL_HELP: dict[str, str] = {
    "sasrec": "Transformer that reads the shopper's recent events in order and predicts the "
    "next item (SASRec). The strongest default; learns chains like camera → memory card.",
    "bert4rec": "Bidirectional transformer trained to fill in hidden events (BERT4Rec). "
    "Usually below SASRec on next-item tasks; useful as a second opinion.",
    "gru4rec": "Recurrent network over the sequence (GRU4Rec). Fast and solid; the classic "
    "session-based recommender.",
    "pop": "Most popular items for everybody. No personalisation: the floor every model must beat.",
    "cooc": "Items that most often came right after the shopper's last items. Simple "
    "'bought after' rules; a strong baseline on chain-like behaviour.",
}


def build_model(name: str, **settings: Any) -> Recommender:
    """A fresh model of type `name` from config fields (e.g. `num_items=..., max_len=50`).

    Raises:
        ConfigError: unknown model name or invalid settings.
    """
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}: choose one of {', '.join(MODELS)}")
    config_class, model_class = MODELS[name]
    return model_class(config_class.from_dict(settings))


__all__ = [
    "MODELS",
    "MODEL_HELP",
    "Bert4Rec",
    "Bert4RecConfig",
    "CoocConfig",
    "CoocRecommender",
    "GRU4Rec",
    "GRU4RecConfig",
    "ModelConfig",
    "PopConfig",
    "PopRecommender",
    "Recommender",
    "SASRec",
    "SASRecConfig",
    "build_model",
]
