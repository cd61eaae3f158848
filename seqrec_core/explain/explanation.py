"""Explaining one user's recommendation: the entry point that runs every explainer.

`explain_user(model, data, user)` takes the user's newest events that the model reads
(its window: `max_len`, or `max_len - 1` for BERT4Rec whose [MASK] takes a slot; older
events cannot change a score and are only counted), picks the target (the first
recommendation unless an item is asked for) and runs what the model supports:

- `attention` (transformers): maps per layer and head, rollout, the final position's row;
- `ig` (neural models): Integrated Gradients per event and embedding part, with the
  convergence delta;
- `occlusion` (every model, baselines included): leave-one-event-out re-scoring;
- group ablation (every event of a category or brand removed), deletion curves against
  random orders, agreement between methods, and the smallest verified counterfactual.

Rankings exclude the items already in the user's window, as evaluation does
(`exclude_seen=False` ranks them too). Everything is computed on CPU tensors without
changing the model; results are plain arrays and frames (see `positions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from seqrec_core.data.sequences import SequenceData
from seqrec_core.errors import InputError
from seqrec_core.explain import attributions as attr
from seqrec_core.explain.attention import AttentionSummary, summarize_attention
from seqrec_core.explain.counterfactual import Counterfactual, minimal_counterfactual
from seqrec_core.explain.faithfulness import DeletionCurves, agreement, deletion_curves
from seqrec_core.explain.inputs import (
    TOP_K,
    History,
    first_recommendations,
    model_window,
    ranking,
    supported_methods,
    user_history,
)
from seqrec_core.explain.options import METHODS, ExplainOptions
from seqrec_core.explain.rescoring import optimistic_one_based_ranks
from seqrec_core.models import Recommender

__all__ = [
    "Explanation",
    "History",
    "explain_user",
    "first_recommendations",
    "method_attributions",
    "model_window",
    "supported_methods",
    "user_history",
]


@dataclass(frozen=True)
class Explanation:
    """Everything known about why `target_item` scores as it does for one user."""

    history: History
    model_name: str
    target: int  # item index
    target_item: str
    target_score: float
    target_rank: int
    top: list[tuple[str, float]]  # the first recommendations (item id, score)
    attention: AttentionSummary | None
    ig: attr.IGResult | None
    occlusion: attr.OcclusionResult | None
    groups: pd.DataFrame  # kind, group, events, attribution, rank, top_item
    curves: DeletionCurves | None
    counterfactual: Counterfactual | None
    counterfactual_items: tuple[str, ...] = ()  # removed item ids, then the new first item
    notes: tuple[str, ...] = field(default=())

    def attributions(self) -> dict[str, np.ndarray]:
        """Method → (L,) attribution per event (attention: the final position's rollout)."""
        return method_attributions(self.ig, self.occlusion, self.attention)

    def agreement(self) -> pd.DataFrame:
        """Methods × methods Spearman correlation of the attributions."""
        return agreement(self.attributions())

    def positions(self) -> pd.DataFrame:
        """One row per event: index, item_id, event_type, timestamp and every attribution."""
        h = self.history
        frame = pd.DataFrame(
            {
                "index": np.arange(len(h.item_ids)),
                "item_id": list(h.item_ids),
                "event_type": list(h.event_types),
                "timestamp": pd.to_datetime(h.timestamps, unit="ns", utc=True),
            }
        )
        if self.ig is not None:
            frame["ig"] = self.ig.total[0]
            for part, values in self.ig.parts.items():
                frame[f"ig_{part}"] = values[0]
        if self.occlusion is not None:
            frame["occlusion"] = self.occlusion.attributions
        if self.attention is not None:
            frame["attention"] = self.attention.final
            frame["attention_rollout"] = self.attention.final_rollout
        return frame


def _groups(history: History, catalog: pd.DataFrame | None) -> dict[str, torch.Tensor]:
    """`"category: Electronics"` / `"brand: Lumora"` → (L,) bool events of that group.

    Categories are top-level (`Electronics`) and full paths (`subcategory`) when deeper.
    """
    if catalog is None or catalog.empty or "item_id" not in catalog.columns:
        return {}
    info = catalog.drop_duplicates("item_id")
    rows = info.set_index(info["item_id"].astype(str)).reindex(list(history.item_ids))
    groups: dict[str, torch.Tensor] = {}
    for kind, column in (("category", "category"), ("subcategory", "category"), ("brand", "brand")):
        if column not in rows.columns:
            continue
        values = rows[column].astype("string").str.strip()
        if kind == "category":
            values = values.str.split(">").str[0].str.strip()
        for value in values.dropna().unique():
            if not value or (kind == "subcategory" and ">" not in value):
                continue  # a one-level path is already a category group
            members = (values == value).to_numpy(dtype=bool, na_value=False)
            groups[f"{kind}: {value}"] = torch.tensor(members)
    return groups


def explain_user(
    model: Recommender,
    data: SequenceData,
    user_id: str,
    *,
    catalog: pd.DataFrame | None = None,
    options: ExplainOptions | None = None,
) -> Explanation:
    """Run every supported (and requested) explainer for one user and target.

    Args:
        model: a model in eval mode, on CPU, indexed like `data`.
        data: the run's sequences and vocabularies (`LoadedRun.prepared.data`).
        user_id: the external user id.
        catalog: `item_id` plus `category`/`brand` columns for group ablation.
        options: target, methods, baseline, steps, ... (defaults: `ExplainOptions()`).

    Raises:
        InputError: unknown user or target item, or a method the model does not support.
    """
    options = options or ExplainOptions()
    supported = supported_methods(model)
    requested = supported if options.methods is None else options.methods
    unsupported = [m for m in requested if m not in supported]
    if unsupported:
        raise InputError(
            f"{model.name} does not support {', '.join(unsupported)}",
            hint=f"use {' or '.join(supported)} for this model",
        )
    history = user_history(data, user_id, model_window(model))
    ids = torch.from_numpy(history.input_ids)
    types = torch.from_numpy(history.event_type_ids)
    full, excluded, ranked = ranking(model, ids, types, options.exclude_seen, TOP_K)
    top = [(data.items.decode([i])[0], float(full[0, i])) for i in ranked.tolist()]
    target = int(ranked[0]) if options.target is None else _item_index(data, options.target)
    notes = [_note(model, m) for m in METHODS if m not in supported]

    attention = ig = occl = None
    if "attention" in requested:
        attention = summarize_attention(model.attention_maps, ids, types)
    if "ig" in requested:
        batch = {
            "input_ids": ids[None],
            "attention_mask": torch.ones_like(ids)[None],
            "event_type_ids": types[None],
        }
        baselines = None
        if options.baseline == "mean":
            baselines = attr.mean_baselines(
                model.input_embeddings, data.items.num_tokens, data.event_types.num_tokens
            )
        ig = attr.integrated_gradients(
            model.scores_from_embeddings,
            model.input_embeddings,
            batch,
            torch.tensor([target]),
            baselines=baselines,
            n_steps=options.n_steps,
        )
    if "occlusion" in requested:
        occl = attr.occlusion(model.score_items, ids, types, target)

    effects = attr.group_ablation(
        model.score_items, ids, types, _groups(history, catalog), target, excluded
    )
    methods = method_attributions(ig, occl, attention)
    curves = None
    if options.faithfulness and methods:
        curves = deletion_curves(
            model.score_items,
            ids,
            types,
            target,
            excluded,
            methods,
            random_orders=options.random_orders,
            seed=options.seed,
        )
    counterfactual, found = None, ()
    if options.counterfactual:
        first = int(ranked[0])
        guide = methods.get("ig") if first == target else None
        if guide is None:
            guide = attr.occlusion(model.score_items, ids, types, first).attributions
        counterfactual = minimal_counterfactual(model.score_items, ids, types, excluded, guide)
        if counterfactual is not None:
            removed = [history.item_ids[p] for p in counterfactual.removed]
            found = (*removed, data.items.decode([counterfactual.new_top])[0])
    return Explanation(
        history=history,
        model_name=model.name,
        target=target,
        target_item=data.items.decode([target])[0],
        target_score=float(full[0, target]),
        target_rank=int(optimistic_one_based_ranks(full, torch.tensor(target), excluded)[0]),
        top=top,
        attention=attention,
        ig=ig,
        occlusion=occl,
        groups=_group_frame(effects, data),
        curves=curves,
        counterfactual=counterfactual,
        counterfactual_items=found,
        notes=tuple(notes),
    )


def method_attributions(
    ig: attr.IGResult | None,
    occlusion: attr.OcclusionResult | None,
    attention: AttentionSummary | None,
) -> dict[str, np.ndarray]:
    """Method → (L,) attribution per event (attention: the final position's rollout row)."""
    out: dict[str, np.ndarray] = {}
    if ig is not None:
        out["ig"] = ig.total[0]
    if occlusion is not None:
        out["occlusion"] = occlusion.attributions
    if attention is not None:
        out["attention"] = attention.final_rollout
    return out


def _group_frame(effects: attr.GroupEffects, data: SequenceData) -> pd.DataFrame:
    labels = effects.labels
    return pd.DataFrame(
        {
            "kind": [label.split(": ", 1)[0] for label in labels],
            "group": [label.split(": ", 1)[1] for label in labels],
            "events": effects.events,
            "attribution": effects.attributions,
            "rank": effects.ranks,
            "top_item": data.items.decode(effects.top_items) if labels else [],
        }
    )


def _item_index(data: SequenceData, item_id: str) -> int:
    if item_id not in data.items:
        raise InputError(
            f"unknown target item {item_id!r}", hint="pick an item id of the run's catalog"
        )
    return data.items.index(item_id)


def _note(model: Recommender, method: str) -> str:
    if method == "ig":
        return f"{model.name} has no gradients: Integrated Gradients needs a neural model."
    return f"{model.name} has no attention to show."
