"""The most-popular list scored on a run's own test split, for runs without a POP beside them.

A run's verdict compares it with the list of the most popular products. When the dataset
has no POP run scored the same way, `popular_list_metrics` builds that list exactly as a
POP run would (the same prepared data, split and held-out products, the `pop` model counted
on the training events) and scores it with the same full-ranking `evaluation.evaluate`, so
the two numbers differ by the model alone. Counting takes one pass over the training
events: seconds, no training.
"""

from __future__ import annotations

import torch

from seqrec_core.data.prepare import Prepared, build_model_for, prepare_dataset
from seqrec_core.data.sequences import EvalExamples
from seqrec_core.store import Workspace
from seqrec_core.training.evaluation import evaluate, training_popularity


def popular_list_metrics(
    workspace: Workspace,
    dataset: str,
    split: str = "leave_one_out",
    *,
    cold_items: float = 0.0,
    exclude_history: bool = True,
) -> dict[str, float]:
    """Test metrics of the most-popular list on `dataset` (what a POP run would record).

    Args:
        split: the evaluation protocol ("leave_one_out" or "temporal").
        cold_items: share of the products held out of training, as in the compared run.
        exclude_history: leave each shopper's own history out of the ranking, as in the
            compared run's training settings.

    Returns:
        `HR@K`, `NDCG@K`, `MRR`, `coverage@K` and `popularity@K` for K in 5, 10, 20.

    Raises:
        WorkspaceError: there is no such dataset.
        ConfigError: an unknown split or a held-out share out of range.
    """
    prepared = prepare_dataset(workspace, dataset, split, cold_items=cold_items)
    return popular_metrics_on(prepared, prepared.split.test, exclude_history=exclude_history)


def popular_metrics_on(
    prepared: Prepared, examples: EvalExamples, *, exclude_history: bool = True
) -> dict[str, float]:
    """Metrics of the most-popular list of `prepared`'s training events on `examples`.

    What a finished run records beside its own test (on the same shoppers), so that its
    verdict never has to prepare the dataset again.
    """
    model = build_model_for("pop", prepared.data)
    train = prepared.split.train
    model.fit(torch.from_numpy(train.offsets), torch.from_numpy(train.items))
    outcome = evaluate(
        model,
        examples,
        exclude_history=exclude_history,
        item_popularity=training_popularity(prepared.split, model.config.num_items),
    )
    return outcome.metrics
