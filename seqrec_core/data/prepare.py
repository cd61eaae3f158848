"""From a registered dataset to model inputs: sequences, a split, item features, a model.

Training, evaluation, recommendation and explanation all start here, so a model always
sees its data indexed the same way: a trained run's saved vocabularies (`items`,
`event_types`, `features`) are passed back in and reused, never rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
import torch

from seqrec_core.data.sequences import (
    SequenceData,
    Split,
    build_user_sequences,
    leave_one_out_split,
    temporal_split,
)
from seqrec_core.data.split_names import SPLITS  # torch-free home, for the CLI parser
from seqrec_core.data.vocab import ItemFeatures, Vocab, item_feature_table
from seqrec_core.errors import ConfigError
from seqrec_core.models import MODELS, Recommender, build_model
from seqrec_core.store import Workspace


@dataclass(frozen=True)
class Prepared:
    """A dataset as sequences, split by one protocol, with its catalog and features."""

    data: SequenceData
    split: Split
    catalog: pd.DataFrame
    features: ItemFeatures | None  # None: the catalog has no category/brand/attributes

    def vocabs(self) -> dict[str, Vocab]:
        """The vocabularies a checkpoint must keep to index data the same way again."""
        out = {"items": self.data.items, "event_types": self.data.event_types}
        if self.features is not None:
            out["features"] = self.features.vocab
        return out


def make_split(data: SequenceData, kind: str) -> Split:
    """The `kind` protocol's split ("leave_one_out" or "temporal").

    Raises:
        ConfigError: an unknown protocol name.
    """
    if kind == "leave_one_out":
        return leave_one_out_split(data.sequences)
    if kind == "temporal":
        return temporal_split(data)
    raise ConfigError(f"split = {kind!r} is not one of {', '.join(SPLITS)}")


def prepare_frames(
    events: pd.DataFrame,
    catalog: pd.DataFrame,
    split: str = "leave_one_out",
    vocabs: dict[str, Vocab] | None = None,
) -> Prepared:
    """Sequences, split and features from canonical event and catalog frames.

    Args:
        events: `user_id`, `item_id`, `timestamp` (+ `event_type`).
        catalog: one row per item (may be empty or lack every feature column).
        split: the evaluation protocol.
        vocabs: a trained model's vocabularies to reuse (events with unknown items are an
            error then; see `SequenceData`).
    """
    vocabs = vocabs or {}
    data = build_user_sequences(
        events, items=vocabs.get("items"), event_types=vocabs.get("event_types")
    )
    features = None
    if any(c in catalog.columns for c in ("category", "brand", "attributes")):
        features = item_feature_table(catalog, data.items, vocab=vocabs.get("features"))
        if not features.vocab.num_tokens:
            features = None
    return Prepared(data, make_split(data, split), catalog, features)


def prepare_dataset(
    workspace: Workspace,
    dataset: str,
    split: str = "leave_one_out",
    vocabs: dict[str, Vocab] | None = None,
) -> Prepared:
    """`prepare_frames` on a dataset of the workspace."""
    events = workspace.read_events(dataset)
    return prepare_frames(events, workspace.read_items(dataset), split, vocabs)


def model_fields(name: str) -> set[str]:
    """The config field names of model `name` (empty for an unknown name)."""
    return {f.name for f in fields(MODELS[name][0])} if name in MODELS else set()


def build_model_for(
    name: str, data: SequenceData, features: ItemFeatures | None = None, **overrides: Any
) -> Recommender:
    """A model sized for `data` with our defaults and any config `overrides`.

    Event-type embeddings are switched on when the log has more than one event type, and
    side-feature embeddings when `features` (from the catalog) are given; an override
    such as `use_side_features=False` wins.

    Raises:
        ConfigError: unknown model, unknown field or a value out of range.
    """
    known = model_fields(name)
    settings: dict[str, Any] = {"num_items": data.items.num_tokens}
    if "use_event_types" in known and data.event_types.num_tokens > 1:
        settings.update(use_event_types=True, num_event_types=data.event_types.num_tokens)
    if "use_side_features" in known and features is not None and features.vocab.num_tokens:
        settings.update(
            use_side_features=True,
            num_feature_tokens=features.vocab.num_tokens,
            features_per_item=features.table.shape[1],
        )
    settings.update(overrides)
    model = build_model(name, **settings)
    if getattr(model.config, "use_side_features", False):
        if features is None:
            raise ConfigError(f"{name}.use_side_features needs a catalog with category/brand")
        model.set_item_features(torch.from_numpy(features.table))  # type: ignore[operator]
    return model
