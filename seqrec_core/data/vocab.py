"""Id vocabularies and item side-feature tables.

A `Vocab` maps external string ids (item ids, event-type words, catalog feature tokens)
to dense indices; index 0 is always padding, so the first real token has index 1.
`item_feature_table` turns catalog columns (category path, brand, free-form attributes)
into a fixed-width table of feature-token indices per item, the input of a model's
side-feature embeddings. Vocabularies are saved as JSON beside a model, never pickled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from seqrec_core import schema
from seqrec_core.errors import InputError

PAD = 0


@dataclass(frozen=True)
class Vocab:
    """External string id ↔ index, with index 0 reserved for padding.

    Attributes:
        tokens: the external ids; `tokens[i]` has index `i + 1`.
    """

    tokens: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {token: i + 1 for i, token in enumerate(self.tokens)}
        if len(index) != len(self.tokens):
            raise ValueError("vocabulary tokens must be unique")
        object.__setattr__(self, "_index", index)

    @classmethod
    def from_values(cls, values: Iterable[Any]) -> Vocab:
        """Build from any values (made strings), sorted so the result is order-independent."""
        if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
            values = values.unique()  # 1.5M distinct of 10M events: str() each once only
        return cls(tuple(sorted({str(v) for v in values})))

    @property
    def num_tokens(self) -> int:
        """Number of real tokens (padding excluded)."""
        return len(self.tokens)

    @property
    def size(self) -> int:
        """Rows an embedding table needs: real tokens plus padding."""
        return len(self.tokens) + 1

    @cached_property
    def _lookup(self) -> pd.Index:
        """The tokens as a pandas Index, built once: its hash table serves every `encode`."""
        return pd.Index(self.tokens, dtype="string")

    def __contains__(self, token: object) -> bool:
        return token in self._index

    def index(self, token: str) -> int:
        """The index of one token; raises `KeyError` when unknown."""
        return self._index[token]

    def encode(self, values: Sequence[Any] | pd.Series, *, what: str = "id") -> np.ndarray:
        """Indices (int64) of many values at once.

        Raises:
            InputError: when a value is not in the vocabulary (names the first one).
        """
        series = pd.Series(values, dtype="string")
        # Each distinct value is looked up once (10M events hold 1.5M shoppers); a
        # missing value keeps code -1, as an unknown one.
        seen, distinct = pd.factorize(series)
        found = np.append(self._lookup.get_indexer(distinct), -1)
        codes = found[seen].astype(np.int64)
        if (codes < 0).any():
            bad = series[codes < 0].iloc[0]
            raise InputError(
                f"unknown {what} {bad!r}", hint=f"use one of the {self.num_tokens} known {what}s"
            )
        return codes + 1

    def decode(self, indices: Iterable[int]) -> list[str]:
        """External ids of indices (padding is not allowed)."""
        out = []
        for i in indices:
            if not 1 <= int(i) <= len(self.tokens):
                raise IndexError(f"index {i} is outside 1..{len(self.tokens)}")
            out.append(self.tokens[int(i) - 1])
        return out

    def to_json(self) -> list[str]:
        """A JSON-ready list of tokens."""
        return list(self.tokens)

    @classmethod
    def from_json(cls, tokens: Sequence[str]) -> Vocab:
        """Inverse of `to_json` (keeps the order: indices must not move)."""
        return cls(tuple(str(t) for t in tokens))


@dataclass(frozen=True)
class ItemFeatures:
    """Side-feature tokens per item.

    Attributes:
        vocab: the feature tokens, e.g. `category:Beauty > Skin`, `brand:Acme`, `attr:173`.
        table: (num_items + 1, width) int64 token indices, 0-padded; row 0 is padding.
    """

    vocab: Vocab
    table: np.ndarray


def _item_tokens(values: Sequence[Any], columns: Sequence[str]) -> list[str]:
    """One item's feature tokens from its `values` of the catalog's `columns`."""
    tokens: list[str] = []
    for column, value in zip(columns, values, strict=True):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            continue
        text = str(value).strip()
        if not text:
            continue
        if column == "category":
            # Every prefix of the path is a token, so siblings share their parent's embedding.
            parts = [p.strip() for p in text.split(schema.CATEGORY_SEPARATOR.strip())]
            parts = [p for p in parts if p]
            tokens += [
                "category:" + schema.CATEGORY_SEPARATOR.join(parts[: i + 1])
                for i in range(len(parts))
            ]
        elif column == "attributes":
            tokens += [f"attr:{a.strip()}" for a in text.replace(",", ";").split(";") if a.strip()]
        else:
            tokens.append(f"{column}:{text}")
    return list(dict.fromkeys(tokens))


def item_feature_table(
    catalog: pd.DataFrame, items: Vocab, *, max_features: int = 8, vocab: Vocab | None = None
) -> ItemFeatures:
    """Feature tokens for every item of `items` from a catalog's category/brand/attributes.

    Args:
        catalog: one row per item with `item_id` and any of `category` (a path like
            `A > B > C`), `brand`, `attributes` (`;`-separated). Unknown items are ignored.
        items: the item vocabulary the table is aligned with.
        max_features: the table width; an item's extra tokens are dropped (deepest last).
        vocab: an existing feature vocabulary (a trained model's); tokens it does not know
            are left out. Default: built from the catalog.

    Returns:
        The feature vocabulary and the (items.size, width) index table.
    """
    columns = [c for c in ("category", "brand", "attributes") if c in catalog.columns]
    known = catalog[catalog[schema.ITEM_ID].astype("string").isin(list(items.tokens))]
    known = known.drop_duplicates(schema.ITEM_ID)
    rows = zip(known[schema.ITEM_ID].tolist(), *(known[c].tolist() for c in columns), strict=True)
    per_item = {str(item): _item_tokens(values, columns)[:max_features] for item, *values in rows}
    if vocab is None:
        vocab = Vocab.from_values(t for tokens in per_item.values() for t in tokens)
    else:
        per_item = {item: [t for t in tokens if t in vocab] for item, tokens in per_item.items()}
    width = max([1, *(len(t) for t in per_item.values())])
    table = np.zeros((items.size, width), dtype=np.int64)
    for item, tokens in per_item.items():
        table[items.index(item), : len(tokens)] = [vocab.index(t) for t in tokens]
    return ItemFeatures(vocab=vocab, table=table)
