import math

import pytest

from seqrec_core.report import numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [(59651, "59,651"), (3, "3"), (2.6, "3"), (1_498_068.0, "1,498,068"), (None, "—"),
     (math.nan, "—")],
)  # fmt: skip
def test_count(value, text):
    assert numbers.count(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(7.121, "7.12"), (0.000123456, "0.000123"), (12345.6, "12,346"), (52.0, "52"),
     (-9.54e-07, "-0.000000954"), (0.0, "0"), (0.5, "0.5"), (1.0, "1"), (None, "—"),
     (999.6, "1,000")],
)  # fmt: skip
def test_significant(value, text):
    assert numbers.significant(value) == text


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(0.2834, "28%"), (0.0123, "1.2%"), (1.3, "130%"), (0.0, "0%"), (0.00012, "0.012%"),
     (1.0, "100%"), (None, "—")],
)  # fmt: skip
def test_percent(fraction, text):
    assert numbers.percent(fraction) == text


def test_share_of_nothing_is_a_dash():
    assert numbers.share(7, 59651) == "0.012%"
    assert numbers.share(3, 0) == "—"


@pytest.mark.parametrize(
    ("ratio", "text"), [(7.53, "7.5×"), (12.4, "12×"), (1.0, "1×"), (math.inf, "—")]
)
def test_times(ratio, text):
    assert numbers.times(ratio) == text


def test_durations_use_the_unit_people_say() -> None:
    assert [numbers.duration(s) for s in (0.07, 42.4, 600, 9000, None)] == [
        "under 1 s",
        "42 s",
        "10 min",
        "2.5 h",
        "—",
    ]
