"""New products for a trained run: a catalog that arrived after training, scored from its text.

`add_new_products` takes a catalog frame (the shop's current product list), finds the
products with text that the run's catalog does not have, encodes their text with the
encoder and template the run read (`item_text.json` in its folder), and returns the run with
those products appended to its model (`models.growth`), its item vocabulary and its
catalog. Every product the catalog lists also gets its fields refreshed (title, price, ...).
The old products' scores do not change; the new ones are recommended from their text and
are marked new (they have no training events). Only text-aware runs can do this.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd
import torch

from seqrec_core import schema
from seqrec_core.data.vocab import Vocab, item_feature_table
from seqrec_core.errors import ConfigError
from seqrec_core.models.checkpoint import Checkpoint
from seqrec_core.models.growth import with_new_items
from seqrec_core.runs import registry
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import Workspace
from seqrec_core.text.encoder_files import BUNDLED_SHA256, WEIGHTS_FILE
from seqrec_core.text.item_text import catalog_items_with_text
from seqrec_core.text.item_vectors import catalog_text_vectors


@dataclass(frozen=True)
class NewProducts:
    """What adding a catalog did."""

    added: tuple[str, ...]  # new product ids, now scored from their text
    without_text: int  # new product ids with no text: they cannot be scored
    refreshed: int  # products the run knew, whose catalog fields were updated


def run_text_settings(loaded: LoadedRun) -> dict[str, object]:
    """The item text summary the run's worker saved (source, key, template).

    Raises:
        ConfigError: the run read no item text, or read the user's own embeddings.
    """
    path = loaded.info.folder / registry.ITEM_TEXT_FILE
    if getattr(loaded.model.config, "item_input", "id") == "id" or not path.is_file():
        raise ConfigError(
            f"run {loaded.info.run_id} reads item ids only, so it cannot score products it "
            "never saw — train it with item text (the language model) to recommend new products"
        )
    settings = json.loads(path.read_text())
    if settings.get("key") != BUNDLED_SHA256[WEIGHTS_FILE]:
        raise ConfigError(
            f"run {loaded.info.run_id} read your own item embeddings ({settings.get('source')}), "
            "so new products need vectors from the same source — add them to that file and "
            "train again"
        )
    return settings


def _merged_catalog(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """`new`'s rows, then the rows of `old` whose item `new` does not list."""
    listed = new[schema.ITEM_ID].astype("string")
    kept = old[~old[schema.ITEM_ID].astype("string").isin(listed)]
    return pd.concat([new, kept], ignore_index=True).drop_duplicates(schema.ITEM_ID)


def add_new_products(
    workspace: Workspace, loaded: LoadedRun, catalog: pd.DataFrame
) -> tuple[LoadedRun, NewProducts]:
    """The run extended with `catalog`'s new products (see the module docstring).

    Raises:
        ConfigError: the run cannot score products from their text.
    """
    settings = run_text_settings(loaded)
    template = str(settings.get("template") or "") or None
    prepared, items = loaded.prepared, loaded.prepared.data.items
    ids = catalog[schema.ITEM_ID].astype("string")
    fresh = [i for i in dict.fromkeys(ids) if i not in items]
    with_text = set(catalog_items_with_text(catalog, template))
    added = tuple(i for i in fresh if i in with_text)
    merged = _merged_catalog(prepared.catalog, catalog)
    outcome = NewProducts(added, len(fresh) - len(added), int(ids.isin(items.tokens).sum()))
    if not added:
        return replace(loaded, prepared=replace(prepared, catalog=merged)), outcome
    vectors = catalog_text_vectors(workspace, catalog, list(added), template=template)
    assert vectors is not None  # every added product has text
    grown_items = Vocab(items.tokens + added)
    features, table = prepared.features, None
    if features is not None:
        features = item_feature_table(merged, grown_items, vocab=features.vocab)
        table = torch.from_numpy(features.table)
    model = with_new_items(loaded.model, torch.from_numpy(vectors.matrix[1:]), table)
    vocabs = {**loaded.checkpoint.vocabs, "items": grown_items}
    data = replace(prepared.data, items=grown_items)
    return (
        replace(
            loaded,
            checkpoint=Checkpoint(model, vocabs, loaded.checkpoint.extra),
            prepared=replace(prepared, data=data, catalog=merged, features=features),
        ),
        outcome,
    )
