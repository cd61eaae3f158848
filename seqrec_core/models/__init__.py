"""Sequence recommenders and baselines behind one interface, and their registry.

`MODELS` maps a model name (as used by the CLI and the Train page) to its config class
and model class; `build_model` creates one from keyword settings.

- `names`: the model names and their help, free of torch (what the CLI parser offers).
- `base`: the config base class and the `Recommender` interface.
- `sasrec`, `bert4rec`, `gru4rec`, `baselines`: the models.
- `attention`, `item_embeddings`, `transformer_config`: their shared parts.
- `losses`: the next-item training loss they share (full, sampled or mixed softmax);
  `loss_choice`: which one a run uses and why, in words (free of torch).
- `checkpoint`: saving and loading a trained model.
- `growth`: adding new products to a trained text-aware model.

This package imports without torch: `MODELS`, `build_model`'s models and the classes
below load on first use (PEP 562), so `seqrec_core.models.names` stays quick to import.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any

from seqrec_core.errors import ConfigError
from seqrec_core.models.names import MODEL_HELP, MODEL_NAMES

if TYPE_CHECKING:  # what type checkers see; at run time these load on first access
    from seqrec_core.models.base import ModelConfig, Recommender
    from seqrec_core.models.baselines import (
        CoocConfig,
        CoocRecommender,
        PopConfig,
        PopRecommender,
    )
    from seqrec_core.models.bert4rec import Bert4Rec, Bert4RecConfig
    from seqrec_core.models.gru4rec import GRU4Rec, GRU4RecConfig
    from seqrec_core.models.sasrec import SASRec, SASRecConfig

    MODELS: dict[str, tuple[type[ModelConfig], type[Recommender]]]

# class name → module, imported on first access (PEP 562).
_LAZY = {
    "ModelConfig": "seqrec_core.models.base",
    "Recommender": "seqrec_core.models.base",
    "CoocConfig": "seqrec_core.models.baselines",
    "CoocRecommender": "seqrec_core.models.baselines",
    "PopConfig": "seqrec_core.models.baselines",
    "PopRecommender": "seqrec_core.models.baselines",
    "Bert4Rec": "seqrec_core.models.bert4rec",
    "Bert4RecConfig": "seqrec_core.models.bert4rec",
    "GRU4Rec": "seqrec_core.models.gru4rec",
    "GRU4RecConfig": "seqrec_core.models.gru4rec",
    "SASRec": "seqrec_core.models.sasrec",
    "SASRecConfig": "seqrec_core.models.sasrec",
}


@cache
def _registry() -> dict[str, tuple[type[ModelConfig], type[Recommender]]]:
    """name → (config class, model class), in `MODEL_NAMES` order; imports torch."""
    from seqrec_core.models.baselines import CoocConfig, CoocRecommender, PopConfig, PopRecommender
    from seqrec_core.models.bert4rec import Bert4Rec, Bert4RecConfig
    from seqrec_core.models.gru4rec import GRU4Rec, GRU4RecConfig
    from seqrec_core.models.sasrec import SASRec, SASRecConfig

    return {
        "sasrec": (SASRecConfig, SASRec),
        "bert4rec": (Bert4RecConfig, Bert4Rec),
        "gru4rec": (GRU4RecConfig, GRU4Rec),
        "pop": (PopConfig, PopRecommender),
        "cooc": (CoocConfig, CoocRecommender),
    }


def build_model(name: str, **settings: Any) -> Recommender:
    """A fresh model of type `name` from config fields (e.g. `num_items=..., max_len=50`).

    Raises:
        ConfigError: unknown model name or invalid settings.
    """
    if name not in MODEL_NAMES:
        raise ConfigError(f"unknown model {name!r}: choose one of {', '.join(MODEL_NAMES)}")
    config_class, model_class = _registry()[name]
    return model_class(config_class.from_dict(settings))


def __getattr__(name: str) -> Any:
    if name == "MODELS":
        value: Any = _registry()
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'seqrec_core.models' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "MODELS",
    "MODEL_HELP",
    "MODEL_NAMES",
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
