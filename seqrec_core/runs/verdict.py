"""What a training run found, in words: the Train page's opening sentence and metric help.

`run_verdict` says how often a finished run finds the next product in its top 10, against
the most-popular list on the same test split: "SASRec finds the next product in its top 10
for 28% of 1,057 test shoppers, 7.5× more often than the most-popular list (3.7%)". The
reference comes from a POP run of the same dataset, split and held-out products when there
is one (`pop_run_reference`); otherwise the caller computes the list's hit rate with the
project's own evaluation (`seqrec_core.training.popular_reference`). `METRIC_HELP` and
`VALID_VS_TEST_HELP` explain the numbers in plain words; `best_finished_run` picks the run the
page speaks about. Numbers go through
`seqrec_core.report.numbers`. Torch-free.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from seqrec_core.models.names import MODEL_TITLES
from seqrec_core.report.numbers import count, percent, times
from seqrec_core.runs.registry import SUCCEEDED, RunInfo

K = 10
HIT_METRIC = f"HR@{K}"
POPULAR_LIST = "the most-popular list"
# Hit rates within this factor of the reference read as "about as often".
_SAME_BAND = 0.05

METRIC_HELP: dict[str, str] = {
    "HR@10": "Hit rate: the share of test shoppers whose next product is among the model's "
    "top 10 recommendations. 28% means 28 in 100 shoppers would have seen, in a list of "
    "10, the product they went on to choose.",
    "NDCG@10": "Like the hit rate, but a hit counts more the higher it is ranked: 1 in "
    "first place, 0.63 in second, 0.29 in tenth, 0 outside the top 10. The average over "
    "test shoppers, from 0 to 1; higher is better.",
    "HR@20": "The hit rate of a list of 20: the share of test shoppers whose next product "
    "is in the top 20.",
    "NDCG@20": "NDCG of a list of 20: a hit counts 1 in first place and less further down, "
    "0 outside the top 20.",
    "MRR": "Mean reciprocal rank: 1 divided by the next product's place in the full "
    "ranking of the catalog (1 in first place, 0.5 in second, 0.1 in tenth), averaged "
    "over test shoppers. From 0 to 1; higher is better.",
    "coverage@10": "The share of the catalog that appears in at least one shopper's top "
    "10. Low coverage means everyone is shown the same few products; the most-popular "
    "list has the lowest possible.",
    "popularity@10": "How popular the recommended products are: the average number of "
    "training events of the products in the top-10 lists. High: the model leans on "
    "best-sellers; lower: it also shows the long tail.",
    "valid NDCG@10": "NDCG@10 on the validation events, the number training watches to keep "
    "its best epoch and to stop early.",
}

VALID_VS_TEST_HELP = (
    "Validation and test are different held-out events: with “last event of each shopper” "
    "the test is each shopper's last event and validation the one before; with one cut-off "
    "date they are different periods. Different events give somewhat different numbers by "
    "chance, so a test score above the best validation score is common and no sign of a "
    "problem. Only test, never looked at during training, is the honest estimate."
)


@dataclass(frozen=True)
class Reference:
    """The most-popular list's test hit rate that a run is compared with."""

    hit_rate: float  # HR@10 on the run's test split, 0..1
    run_id: str | None = None  # the POP run it comes from; None: computed for the comparison


def evaluation_key(info: RunInfo) -> tuple[str, str, float, bool]:
    """What makes two runs' test numbers comparable: dataset, split, held-out share of
    products and whether the shopper's own history is left out of the ranking."""
    settings = info.request.get("train_settings") or {}
    return (
        info.dataset,
        str(info.request.get("split", "leave_one_out")),
        float(info.request.get("cold_items", 0.0)),
        bool(settings.get("exclude_history", True)),
    )


def hit_rate_on_test(info: RunInfo) -> float | None:
    """The run's test HR@10 (None unless it succeeded and recorded one)."""
    if info.status != SUCCEEDED:
        return None
    value = (info.result.get("test_metrics") or {}).get(HIT_METRIC)
    return float(value) if isinstance(value, int | float) else None


def shoppers_tested(info: RunInfo) -> int | None:
    """How many test shoppers the run was scored on (None when it did not record it)."""
    buckets = info.result.get("test_by_history_length") or {}
    total = sum(float(bucket.get("examples", 0.0)) for bucket in buckets.values())
    return round(total) if total else None


def best_finished_run(infos: Sequence[RunInfo]) -> RunInfo | None:
    """The succeeded run with the best validation NDCG@10 (the newest among equals; runs
    without a validation score last), as the model pages pick by default.

    Only runs with a test hit rate count: a verdict needs one. `infos` newest first.
    """
    best: tuple[bool, float, int] | None = None
    chosen = None
    for age, info in enumerate(infos):
        if hit_rate_on_test(info) is None:
            continue
        valid = (info.result.get("metrics") or {}).get("NDCG@10")
        scored = isinstance(valid, int | float) and not math.isnan(valid)
        rank = (scored, float(valid) if scored else 0.0, -age)
        if best is None or rank > best:
            best, chosen = rank, info
    return chosen


def pop_run_reference(info: RunInfo, infos: Sequence[RunInfo]) -> Reference | None:
    """The newest succeeded POP run among `infos` scored like `info` (None if none).

    `infos` newest first, as `registry.list_runs` returns them.
    """
    key = evaluation_key(info)
    for other in infos:
        hit_rate = hit_rate_on_test(other)
        if other.model == "pop" and hit_rate is not None and evaluation_key(other) == key:
            return Reference(hit_rate, other.run_id)
    return None


def run_verdict(info: RunInfo, reference: Reference | None) -> str | None:
    """One plain sentence on a finished run, against `reference` when given.

    Returns:
        None while the run has no test hit rate (active, failed, cancelled).
    """
    hit_rate = hit_rate_on_test(info)
    if hit_rate is None:
        return None
    name = MODEL_TITLES.get(info.model, info.model)
    shoppers = shoppers_tested(info)
    whom = f"{count(shoppers)} test shoppers" if shoppers else "test shoppers"
    if info.model == "pop":
        return (
            f"POP, {POPULAR_LIST}, finds the next product in its top {K} for "
            f"{percent(hit_rate)} of {whom}: the floor every model must beat."
        )
    if hit_rate == 0:
        found = f"{name} does not find the next product in its top {K} for any of the {whom}"
        if reference is None:
            return found + "."
        return f"{found} ({POPULAR_LIST} finds it for {percent(reference.hit_rate)})."
    found = f"{name} finds the next product in its top {K} for {percent(hit_rate)} of {whom}"
    if reference is None:
        return found + "."
    return f"{found}, {_compared(hit_rate, reference.hit_rate)}."


def _compared(hit_rate: float, reference: float) -> str:
    """How `hit_rate` (> 0) compares with the most-popular list's `reference`, in words."""
    if reference == 0:
        return f"while {POPULAR_LIST} finds it for none of them"
    ratio = hit_rate / reference
    if ratio > 1 + _SAME_BAND:
        return f"{times(ratio)} more often than {POPULAR_LIST} ({percent(reference)})"
    if ratio >= 1 - _SAME_BAND:
        return f"about as often as {POPULAR_LIST} ({percent(reference)})"
    return f"less often than {POPULAR_LIST} ({percent(reference)}): it does not beat the floor"
