"""Adding products to a trained text-aware model without retraining it.

A model that reads item text can score a product it has never seen from its text alone
(its id part is zero, see `item_embeddings`). `with_new_items` builds the same model with a
larger catalog: every item-indexed weight and buffer keeps its trained rows, the new items
are appended after the old ones (special rows such as BERT4Rec's [MASK] stay last), and the
new items get their text vectors and are marked as never trained. Nothing else changes,
so the old items' scores are exactly what they were.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from seqrec_core.errors import ConfigError
from seqrec_core.models import MODELS, Recommender


def _grown(old: torch.Tensor, new: torch.Tensor, num_items: int) -> torch.Tensor:
    """`old`'s rows in the larger `new` tensor: items first, new rows zero, extra rows last."""
    keep = num_items if old.shape[0] == num_items else num_items + 1  # without/with padding
    out = torch.zeros_like(new)
    out[:keep] = old[:keep]
    extra = old.shape[0] - keep
    if extra:
        out[-extra:] = old[keep:]
    return out


def with_new_items(
    model: Recommender, text_vectors: torch.Tensor, features: torch.Tensor | None = None
) -> Recommender:
    """A copy of text-aware `model` that also scores `len(text_vectors)` new items.

    Args:
        model: a trained model with `item_input` "text+id" or "text".
        text_vectors: (n, text_dim) text vectors of the new items, in the order their
            indices will follow the old catalog (num_items + 1, ...).
        features: the (num_items + n + 1, width) side-feature table for the grown catalog,
            when the model reads side features (new items' rows may be zero).

    Raises:
        ConfigError: the model reads no item text, or the vectors have the wrong width.
    """
    config = model.config
    if getattr(config, "item_input", "id") == "id":
        raise ConfigError(
            "this run reads item ids only, so it cannot score products it never saw — "
            "train it with item text (--item-text auto) to recommend new products"
        )
    if text_vectors.ndim != 2 or text_vectors.shape[1] != config.text_dim:  # type: ignore[attr-defined]
        raise ConfigError(
            f"new item text vectors have width {tuple(text_vectors.shape)[1:]}, "
            f"the model reads {config.text_dim}"  # type: ignore[attr-defined]
        )
    count, num_items = len(text_vectors), config.num_items
    model_class = MODELS[model.name][1]
    grown = model_class(replace(config, num_items=num_items + count))  # type: ignore[call-arg]
    fresh = grown.state_dict()
    state = {
        name: value if value.shape == fresh[name].shape else _grown(value, fresh[name], num_items)
        for name, value in model.state_dict().items()
    }
    grown.load_tensors(state)
    embeddings = grown.embeddings  # type: ignore[attr-defined]
    with torch.no_grad():
        new_rows = slice(num_items + 1, num_items + 1 + count)
        embeddings.text_vectors[new_rows] = text_vectors.to(embeddings.text_vectors)
        embeddings.has_text[new_rows] = text_vectors.abs().sum(dim=1) > 0
        embeddings.trained[new_rows] = False
    if features is not None and getattr(config, "use_side_features", False):
        width = embeddings.item_features.shape[1]
        table = torch.zeros_like(embeddings.item_features)
        table[:, : min(width, features.shape[1])] = features[:, :width]
        grown.set_item_features(table)  # type: ignore[operator]
    return grown.to(next(model.parameters()).device).eval()
