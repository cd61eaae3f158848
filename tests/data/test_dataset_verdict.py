"""The Data page's opening sentence and the time span in words, on handmade reports."""

from __future__ import annotations

import pandas as pd
import pytest

from seqrec_core.data.dataset_profile import Headline
from seqrec_core.data.dataset_verdict import (
    dataset_verdict,
    learnable_share,
    plural,
    span_words,
)
from seqrec_core.ingest.quality import Flag, ValidationReport


def _report(read: int = 1000, rejected: dict[str, int] | None = None, flags=()) -> ValidationReport:
    by_reason = rejected or {}
    return ValidationReport(
        source_name="log.csv",
        format="csv",
        rows_read=read,
        rows_accepted=read - sum(by_reason.values()),
        rows_rejected=sum(by_reason.values()),
        rejected_by_reason=by_reason,
        examples={},
        warnings=list(flags),
        column_mapping={},
        events_by_type={},
        unknown_event_types={},
        users=0,
        items=0,
    )


def _headline(events: int = 59_651, users: int = 2000, span_days: float = 91.5) -> Headline:
    return Headline(
        events=events,
        users=users,
        items=400,
        catalog_items=400,
        time_min=None,
        time_max=None,
        span_days=span_days,
        median_sequence_length=12,
        event_types=3,
    )


# 2,000 shoppers: 100 with one event, 1,900 with more.
LENGTHS = pd.DataFrame({"length": [1, 2, 30], "users": [100, 900, 1000]})


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "under a minute"),
        (45 / 1440, "45 minutes"),
        (3 / 24, "3 hours"),
        (1 / 24, "60 minutes"),
        (1.5, "36 hours"),
        (61 / 86400, "1 minute"),
        (13.25, "13 days"),
        (91.5, "92 days"),
        (200, "6.6 months"),
        (800, "2.2 years"),
    ],
)
def test_span_words(days: float, words: str) -> None:
    assert span_words(days) == words


def test_plural_uses_separators() -> None:
    assert (plural(1, "shopper"), plural(2000, "shopper")) == ("1 shopper", "2,000 shoppers")


def test_learnable_share_counts_shoppers_with_two_or_more_events() -> None:
    assert learnable_share(LENGTHS) == pytest.approx(0.95)
    assert learnable_share(pd.DataFrame({"length": [], "users": []})) == 0.0


def test_a_clean_dataset_is_ready_to_train() -> None:
    verdict = dataset_verdict(_report(), _headline(), LENGTHS)
    assert verdict == (
        "59,651 events from 2,000 shoppers on 400 products over 92 days; every row was "
        "accepted, and 95% of shoppers have two or more events: ready to train."
    )


def test_bots_come_first_and_say_what_to_do() -> None:
    bots = Flag("heavy_user", "7 user(s) have an absurd number of events", 7)
    verdict = dataset_verdict(_report(rejected={"return": 300}, flags=[bots]), _headline(), LENGTHS)
    assert "; 7 shoppers look like a bot or a shared account — exclude them below" in verdict


def test_many_rejected_rows_name_the_main_reason_and_share() -> None:
    report = _report(read=2000, rejected={"missing_user_id": 150, "unparseable_timestamp": 450})
    verdict = dataset_verdict(report, _headline(), LENGTHS)
    assert "30% of the file's rows were rejected, most because the timestamp could not be read" in (
        verdict
    )


def test_few_rejected_rows_do_not_stop_the_training_advice() -> None:
    verdict = dataset_verdict(_report(rejected={"return": 20}), _headline(), LENGTHS)
    assert verdict.endswith(
        "few rows were rejected, and 95% of shoppers have two or more events: ready to train."
    )


def test_thin_histories_and_a_single_shopper_warn() -> None:
    thin = pd.DataFrame({"length": [1, 2], "users": [700, 300]})
    assert "only 30% of shoppers have the two or more events" in dataset_verdict(
        _report(), _headline(users=1000), thin
    )
    one = dataset_verdict(_report(), _headline(events=5, users=1, span_days=3 / 24), LENGTHS)
    assert one.startswith("5 events from 1 shopper on 400 products over 3 hours; ")
    assert "add more shoppers" in one
