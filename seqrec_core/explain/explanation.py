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
  random orders, agreement between methods, and the smallest verified counterfactual;
- the main reasons (`reasons`): the few events that lift the target most, by occlusion,
  and its re-scored rank without them, for the page's opening sentence.

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
from seqrec_core.explain.groups import event_groups, group_frame
from seqrec_core.explain.inputs import (
    ExplanationInputs,
    History,
    explanation_inputs,
    first_recommendations,
    model_window,
    supported_methods,
    user_history,
)
from seqrec_core.explain.model_protocols import AttentionModel, EmbeddingScoringModel
from seqrec_core.explain.options import METHODS, ExplainOptions
from seqrec_core.explain.reasons import MainReasons, main_reasons
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
    reasons: MainReasons | None = None  # the events lifting the target most (None: none)

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
    requested = _requested_methods(model, supported, options)
    inputs = explanation_inputs(
        model, data, user_id, target=options.target, exclude_seen=options.exclude_seen
    )
    ids, types, target = inputs.ids, inputs.types, inputs.target

    # Each requested method; `_requested_methods` checked that the model has what it needs.
    attention = ig = occl = None
    if "attention" in requested and isinstance(model, AttentionModel):
        attention = summarize_attention(model.attention_maps, ids, types)
    if "ig" in requested and isinstance(model, EmbeddingScoringModel):
        ig = _integrated_gradients(model, data, inputs, options)
    if "occlusion" in requested:
        occl = attr.occlusion(model.score_items, ids, types, target)

    # The checks: group ablation, deletion curves, the smallest counterfactual.
    groups = event_groups(inputs.history, catalog)
    effects = attr.group_ablation(model.score_items, ids, types, groups, target, inputs.excluded)
    methods = method_attributions(ig, occl, attention)
    curves = _deletion_curves(model, inputs, methods, options)
    counterfactual, found = _counterfactual(model, data, inputs, methods, options)
    lift = occl if occl is not None else attr.occlusion(model.score_items, ids, types, target)
    reasons = main_reasons(
        model.score_items, ids, types, target, inputs.excluded, lift.attributions
    )

    full, excluded = inputs.scores, inputs.excluded
    return Explanation(
        history=inputs.history,
        model_name=model.name,
        target=target,
        target_item=data.items.decode([target])[0],
        target_score=float(full[0, target]),
        target_rank=int(optimistic_one_based_ranks(full, torch.tensor(target), excluded)[0]),
        top=inputs.top,
        attention=attention,
        ig=ig,
        occlusion=occl,
        groups=group_frame(effects, data),
        curves=curves,
        counterfactual=counterfactual,
        counterfactual_items=found,
        notes=tuple(_note(model, m) for m in METHODS if m not in supported),
        reasons=reasons,
    )


def _requested_methods(
    model: Recommender, supported: tuple[str, ...], options: ExplainOptions
) -> tuple[str, ...]:
    """The methods to run: those asked for, or every one the model supports.

    Args:
        model: the model explained (named in the error).
        supported: `supported_methods(model)`.
        options: the request.

    Raises:
        InputError: a requested method the model does not support.
    """
    requested = supported if options.methods is None else options.methods
    unsupported = [m for m in requested if m not in supported]
    if unsupported:
        raise InputError(
            f"{model.name} does not support {', '.join(unsupported)}",
            hint=f"use {' or '.join(supported)} for this model",
        )
    return requested


def _integrated_gradients(
    model: EmbeddingScoringModel,
    data: SequenceData,
    inputs: ExplanationInputs,
    options: ExplainOptions,
) -> attr.IGResult:
    """Integrated Gradients of the target's score over the window's input vectors.

    The baseline is padding (zero vectors) or, with `options.baseline == "mean"`, the
    mean item and event-type embedding.
    """
    batch = {
        "input_ids": inputs.ids[None],
        "attention_mask": torch.ones_like(inputs.ids)[None],
        "event_type_ids": inputs.types[None],
    }
    baselines = None
    if options.baseline == "mean":
        baselines = attr.mean_baselines(
            model.input_embeddings, data.items.num_tokens, data.event_types.num_tokens
        )
    with attr.weights_frozen(model):  # gradients for the inputs only: half the work
        return attr.integrated_gradients(
            model.scores_from_embeddings,
            model.input_embeddings,
            batch,
            torch.tensor([inputs.target]),
            baselines=baselines,
            n_steps=options.n_steps,
        )


def _deletion_curves(
    model: Recommender,
    inputs: ExplanationInputs,
    methods: dict[str, np.ndarray],
    options: ExplainOptions,
) -> DeletionCurves | None:
    """Deletion curves of every method's order against random orders (None: not asked)."""
    if not (options.faithfulness and methods):
        return None
    return deletion_curves(
        model.score_items,
        inputs.ids,
        inputs.types,
        inputs.target,
        inputs.excluded,
        methods,
        random_orders=options.random_orders,
        seed=options.seed,
    )


def _counterfactual(
    model: Recommender,
    data: SequenceData,
    inputs: ExplanationInputs,
    methods: dict[str, np.ndarray],
    options: ExplainOptions,
) -> tuple[Counterfactual | None, tuple[str, ...]]:
    """The smallest set of past events whose removal changes the first recommendation.

    The search is guided by IG when it explains that first item, else by its occlusion.

    Returns:
        The counterfactual (None: not asked or none found) and, when found, the removed
        item ids followed by the new first item's id.
    """
    if not options.counterfactual:
        return None, ()
    ids, types = inputs.ids, inputs.types
    first = int(inputs.ranked[0])
    guide = methods.get("ig") if first == inputs.target else None
    if guide is None:
        guide = attr.occlusion(model.score_items, ids, types, first).attributions
    counterfactual = minimal_counterfactual(model.score_items, ids, types, inputs.excluded, guide)
    if counterfactual is None:
        return None, ()
    removed = [inputs.history.item_ids[p] for p in counterfactual.removed]
    return counterfactual, (*removed, data.items.decode([counterfactual.new_top])[0])


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


def _note(model: Recommender, method: str) -> str:
    """Why `model` has no `method` explanation, in words for the page."""
    if method == "ig":
        return f"{model.name} has no gradients: Integrated Gradients needs a neural model."
    return f"{model.name} has no attention to show."
