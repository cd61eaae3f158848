"""The shared shopper picker's default: the most active shopper who is not bot-like.

Regression: on the UCI Online Retail workbook every model page opened on shopper 17841,
7,819 events, the first of the 7 accounts the validation report calls bot-like.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core.ingest.validation_report import HEAVY_MIN, heavy_user_counts, is_heavy
from seqrec_core.ui.shopper_picker import Shoppers

_PAGE = """
from seqrec_core.ui.shopper_picker import Shoppers, pick_shopper
import streamlit as st

shoppers = Shoppers.from_counts(st.session_state["counts"])
st.write(pick_shopper(shoppers))
"""


def _counts(bots: int) -> dict[str, int]:
    """100 ordinary shoppers (10-109 events) and `bots` crawlers far above them."""
    counts = {f"u{n:03}": 10 + n for n in range(100)}
    counts |= {f"bot{n}": HEAVY_MIN * 5 + n for n in range(bots)}
    return counts


def test_bot_like_shoppers_are_passed_over() -> None:
    shoppers = Shoppers.from_counts(_counts(bots=3))
    assert shoppers.ids[:3] == ("bot2", "bot1", "bot0")  # still listed, most active first
    assert shoppers.most_active_typical == "u099"


def test_without_bots_the_most_active_shopper_is_the_default() -> None:
    assert Shoppers.from_counts(_counts(bots=0)).most_active_typical == "u099"
    everyone_busy = Shoppers.from_counts({"a": HEAVY_MIN * 3, "b": HEAVY_MIN * 2})
    assert everyone_busy.most_active_typical == "a"  # nobody is far above the median
    assert Shoppers.from_counts({}).most_active_typical is None


def test_the_rule_is_the_validation_reports(tmp_path: Path) -> None:
    counts = _counts(bots=4)
    con = duckdb.connect()
    con.execute("CREATE TABLE events (user_id VARCHAR)")
    con.executemany(
        "INSERT INTO events VALUES (?)", [[u] for u, n in counts.items() for _ in range(n)]
    )
    flagged = {user for user, _ in heavy_user_counts(con, "events")}
    per_user = "SELECT user_id, count(*) AS n FROM events GROUP BY user_id"
    (median,) = con.execute(f"SELECT median(n) FROM ({per_user})").fetchone()
    assert (
        flagged
        == {u for u, n in counts.items() if is_heavy(n, median)}
        == {f"bot{n}" for n in range(4)}
    )


@pytest.mark.parametrize("bots", [3, 0])
def test_the_picker_opens_on_the_typical_shopper(bots: int) -> None:
    at = AppTest.from_string(_PAGE)
    at.session_state["counts"] = _counts(bots)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="user").value == "u099"
    other = "bot1" if bots else "u000"  # a bot can still be picked
    at.selectbox(key="user").set_value(other).run()
    assert at.selectbox(key="user").value == other
