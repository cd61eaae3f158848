"""From a registered dataset to model inputs: sequences, a split, item features, a model.

Training, evaluation, recommendation and explanation all start here, so a model always
sees its data indexed the same way: a trained run's saved vocabularies (`items`,
`event_types`, `features`) are passed back in and reused, never rebuilt. With item text
on, the item vocabulary also holds the catalog items that have text but no events (new
products: a text-aware model scores them from their text); `cold_items` holds a share of
the items out of training for cold-start evaluation (`cold_items` module).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from seqrec_core.data.cold_items import hold_out_items
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
from seqrec_core.models.loss_choice import choose_loss
from seqrec_core.schema import EVENT_TYPE, ITEM_ID, REQUIRED_FIELDS
from seqrec_core.store import Workspace
from seqrec_core.text.item_text import catalog_items_with_text

# The event columns sequences are built from (`build_user_sequences`).
SEQUENCE_FIELDS = (*REQUIRED_FIELDS, EVENT_TYPE)

if TYPE_CHECKING:  # annotations only
    from seqrec_core.text.item_vectors import ItemTextVectors


@dataclass(frozen=True)
class Prepared:
    """A dataset as sequences, split by one protocol, with its catalog and features."""

    data: SequenceData
    split: Split
    catalog: pd.DataFrame
    features: ItemFeatures | None  # None: the catalog has no category/brand/attributes
    cold_items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def trained_items(self) -> np.ndarray:
        """(num_items + 1,) bool: items with at least one training event."""
        counts = np.bincount(self.split.train.items, minlength=self.data.items.size)
        return counts > 0

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


def item_vocab(
    events: pd.DataFrame,
    catalog: pd.DataFrame,
    *,
    with_text_items: bool,
    template: str | None = None,
) -> Vocab:
    """The items of the events, plus (`with_text_items`) the catalog items that have text."""
    ids = events[ITEM_ID].astype("string")
    if not with_text_items:
        return Vocab.from_values(ids)
    return Vocab.from_values([*ids, *catalog_items_with_text(catalog, template)])


def prepare_frames(
    events: pd.DataFrame,
    catalog: pd.DataFrame,
    split: str = "leave_one_out",
    vocabs: dict[str, Vocab] | None = None,
    *,
    item_text: bool = False,
    cold_items: float = 0.0,
    text_template: str | None = None,
) -> Prepared:
    """Sequences, split and features from canonical event and catalog frames.

    Args:
        events: `user_id`, `item_id`, `timestamp` (+ `event_type`).
        catalog: one row per item (may be empty or lack every feature column).
        split: the evaluation protocol.
        vocabs: a trained model's vocabularies to reuse (events with unknown items are an
            error then; see `SequenceData`).
        item_text: include catalog items that have text but no events (new vocabularies
            only: a saved vocabulary is reused as it is).
        cold_items: share of the items held out of training (`cold_items.hold_out_items`).
        text_template: the item text template that decides which items have text.
    """
    vocabs = vocabs or {}
    data = _sequence_data(events, catalog, vocabs, item_text, text_template)
    return _prepared(data, catalog, split, vocabs, cold_items)


def _sequence_data(
    events: pd.DataFrame,
    catalog: pd.DataFrame,
    vocabs: dict[str, Vocab],
    item_text: bool,
    text_template: str | None,
) -> SequenceData:
    """The events as sequences, over the saved item vocabulary or a new one."""
    items = vocabs.get("items") or item_vocab(
        events, catalog, with_text_items=item_text, template=text_template
    )
    return build_user_sequences(events, items=items, event_types=vocabs.get("event_types"))


def _prepared(
    data: SequenceData,
    catalog: pd.DataFrame,
    split: str,
    vocabs: dict[str, Vocab],
    cold_items: float,
) -> Prepared:
    """The split, features and held-out items of built sequences."""
    features = None
    if any(c in catalog.columns for c in ("category", "brand", "attributes")):
        features = item_feature_table(catalog, data.items, vocab=vocabs.get("features"))
        if not features.vocab.num_tokens:
            features = None
    data_split, cold = hold_out_items(make_split(data, split), cold_items)
    return Prepared(data, data_split, catalog, features, cold)


def prepare_dataset(
    workspace: Workspace,
    dataset: str,
    split: str = "leave_one_out",
    vocabs: dict[str, Vocab] | None = None,
    *,
    item_text: bool = False,
    cold_items: float = 0.0,
    text_template: str | None = None,
) -> Prepared:
    """`prepare_frames` on a dataset of the workspace (its events' sequence columns only:
    the rest, such as each row's source line, would only take memory).

    The events frame is let go, and the pages Arrow's memory pool kept from reading it
    handed back, as soon as the sequences are built, before the split copies them: at
    10M events loading a run peaked at 2,854 MiB and kept 2,397 MiB for as long as a
    server held it; 2,275 and 1,817 MiB now.
    """
    vocabs = vocabs or {}
    stored = pq.read_schema(workspace.get_dataset(dataset).events_path).names
    events = workspace.read_events(dataset, columns=[c for c in SEQUENCE_FIELDS if c in stored])
    catalog = workspace.read_items(dataset)
    data = _sequence_data(events, catalog, vocabs, item_text, text_template)
    del events
    pa.default_memory_pool().release_unused()
    return _prepared(data, catalog, split, vocabs, cold_items)


def model_fields(name: str) -> set[str]:
    """The config field names of model `name` (empty for an unknown name)."""
    return {f.name for f in fields(MODELS[name][0])} if name in MODELS else set()


DEFAULT_TEXT_INPUT = "text+id"  # with item text: what benchmarks/item_text.py found best


def build_model_for(
    name: str,
    data: SequenceData,
    features: ItemFeatures | None = None,
    *,
    text: ItemTextVectors | None = None,
    trained_items: np.ndarray | None = None,
    **overrides: Any,
) -> Recommender:
    """A model sized for `data` with our defaults and any config `overrides`.

    Event-type embeddings are switched on when the log has more than one event type,
    side-feature embeddings when `features` (from the catalog) are given, item text
    (`item_input = "text+id"`) when `text` vectors are given, and the sampled softmax
    above `loss_choice.SAMPLED_SOFTMAX_ABOVE` products; an override such as
    `use_side_features=False`, `item_input="id"` or `loss="ce"` wins.

    Args:
        trained_items: (num_items + 1,) bool, items with training events (text models
            give the others no id part and leave them out of the training softmax).

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
    if "item_input" in known and text is not None:
        settings.update(item_input=DEFAULT_TEXT_INPUT, text_dim=text.dim)
    if "loss" in known:
        settings["loss"] = choose_loss(data.items.num_tokens, overrides).loss
    settings.update(overrides)
    model = build_model(name, **settings)
    if getattr(model.config, "use_side_features", False):
        if features is None:
            raise ConfigError(f"{name}.use_side_features needs a catalog with category/brand")
        model.set_item_features(torch.from_numpy(features.table))  # type: ignore[operator]
    if getattr(model.config, "item_input", "id") != "id":
        if text is None:
            raise ConfigError(f"{name}.item_input = {model.config.item_input!r} needs item text")  # type: ignore[attr-defined]
        model.set_item_text(torch.from_numpy(text.matrix), torch.from_numpy(text.has_text))  # type: ignore[operator]
        if trained_items is not None:
            model.set_trained_items(torch.from_numpy(trained_items))  # type: ignore[operator]
    return model
