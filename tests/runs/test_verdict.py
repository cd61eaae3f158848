"""The Train page's sentences: a run against the most-popular list, the run picked, the help."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from seqrec_core.runs.registry import FAILED, RUNNING, SUCCEEDED, RunInfo
from seqrec_core.runs.run_table import TABLE_METRICS
from seqrec_core.runs.verdict import (
    METRIC_HELP,
    Reference,
    best_finished_run,
    evaluation_key,
    hit_rate_on_test,
    pop_run_reference,
    run_verdict,
    shoppers_tested,
)

# 1,057 test shoppers in three history-length buckets.
BY_LENGTH = {"1-4": {"examples": 400.0}, "5-9": {"examples": 600.0}, "10-19": {"examples": 57.0}}


def _run(
    model: str,
    hit_rate: float | None,
    *,
    status: str = SUCCEEDED,
    valid: float | None = 0.05,
    suffix: str = "ab12",
    **request: Any,
) -> RunInfo:
    result: dict[str, Any] = {"test_by_history_length": BY_LENGTH}
    if hit_rate is not None:
        result["test_metrics"] = {"HR@10": hit_rate, "NDCG@10": hit_rate / 2}
    if valid is not None:
        result["metrics"] = {"NDCG@10": valid}
    return RunInfo(
        run_id=f"{model}-20261201-060000-{suffix}",
        dataset="shop",
        model=model,
        status=status,
        created_at=datetime(2026, 12, 1, 6, 0),
        folder=Path("/nonexistent"),
        request={"split": "leave_one_out", "train_settings": {}, **request},
        result=result,
    )


def test_a_model_against_the_most_popular_list() -> None:
    sentence = run_verdict(_run("sasrec", 0.2834), Reference(0.0377))
    assert sentence == (
        "SASRec finds the next product in its top 10 for 28% of 1,057 test shoppers, "
        "7.5× more often than the most-popular list (3.8%)."
    )


@pytest.mark.parametrize(
    ("hit_rate", "reference", "ending"),
    [
        (0.30, 0.29, "about as often as the most-popular list (29%)."),
        (0.10, 0.25, "less often than the most-popular list (25%): it does not beat the floor."),
        (0.12, 0.0, "while the most-popular list finds it for none of them."),
    ],
)
def test_the_comparison_in_words(hit_rate: float, reference: float, ending: str) -> None:
    sentence = run_verdict(_run("gru4rec", hit_rate), Reference(reference))
    assert sentence is not None and sentence.startswith("GRU4Rec finds the next product")
    assert sentence.endswith(ending), sentence


def test_a_model_that_never_finds_it_and_one_without_a_reference() -> None:
    assert run_verdict(_run("cooc", 0.0), Reference(0.04)) == (
        "COOC does not find the next product in its top 10 for any of the 1,057 test "
        "shoppers (the most-popular list finds it for 4%)."
    )
    assert run_verdict(_run("bert4rec", 0.125), None) == (
        "BERT4Rec finds the next product in its top 10 for 12% of 1,057 test shoppers."
    )


def test_pop_is_the_floor_and_is_not_compared_with_itself() -> None:
    assert run_verdict(_run("pop", 0.041), Reference(0.041)) == (
        "POP, the most-popular list, finds the next product in its top 10 for 4.1% of "
        "1,057 test shoppers: the floor every model must beat."
    )


def test_unfinished_runs_have_no_verdict() -> None:
    assert run_verdict(_run("sasrec", None, status=RUNNING), Reference(0.1)) is None
    assert run_verdict(_run("sasrec", 0.3, status=FAILED), Reference(0.1)) is None
    assert hit_rate_on_test(_run("sasrec", 0.3, status=FAILED)) is None


def test_shoppers_are_counted_from_the_length_buckets() -> None:
    assert shoppers_tested(_run("sasrec", 0.3)) == 1057
    bare = RunInfo("pop-x", "shop", "pop", SUCCEEDED, datetime(2026, 1, 1), Path("/x"), {})
    assert shoppers_tested(bare) is None


def test_the_pop_reference_is_the_newest_pop_run_scored_alike() -> None:
    sasrec = _run("sasrec", 0.3, cold_items=0.1)
    infos = [
        sasrec,
        _run("pop", 0.09, suffix="new0"),  # other held-out share: not comparable
        _run("pop", 0.05, suffix="mid0", cold_items=0.1, split="temporal"),  # other split
        _run("pop", None, suffix="mid1", cold_items=0.1, status=FAILED),
        _run("pop", 0.04, suffix="old0", cold_items=0.1),
        _run("pop", 0.03, suffix="old1", cold_items=0.1),
    ]
    assert pop_run_reference(sasrec, infos) == Reference(0.04, "pop-20261201-060000-old0")
    assert pop_run_reference(_run("sasrec", 0.3, split="temporal"), infos) is None


def test_history_exclusion_is_part_of_what_makes_runs_comparable() -> None:
    kept = _run("sasrec", 0.3, train_settings={"exclude_history": False})
    assert evaluation_key(kept) == ("shop", "leave_one_out", 0.0, False)
    assert evaluation_key(_run("pop", 0.1)) == ("shop", "leave_one_out", 0.0, True)
    assert pop_run_reference(kept, [_run("pop", 0.1)]) is None


def test_the_best_finished_run_is_picked_by_validation_ndcg() -> None:
    infos = [
        _run("sasrec", None, status=RUNNING, valid=0.9, suffix="live"),  # no test yet
        _run("gru4rec", 0.2, valid=0.04, suffix="newr"),
        _run("sasrec", 0.3, valid=0.06, suffix="best"),
        _run("sasrec", 0.3, valid=0.06, suffix="olde"),  # as good, but older
        _run("cooc", 0.5, valid=None, suffix="nova"),  # no validation score: last
    ]
    assert best_finished_run(infos).run_id.endswith("best")
    assert best_finished_run(infos[4:]).run_id.endswith("nova")
    assert best_finished_run(infos[:1]) is None


def test_every_metric_of_the_table_has_help() -> None:
    assert set(TABLE_METRICS) | {"valid NDCG@10"} <= set(METRIC_HELP)
    assert all(len(words) > 40 for words in METRIC_HELP.values())
