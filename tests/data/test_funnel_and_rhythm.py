"""Funnel rates and the notes that keep impossible-looking ones from being read as conversion.

Regression: the shop-average cart → purchase rate of a store log read 130% without a word
(the log holds purchases whose cart event it lacks).
"""

from __future__ import annotations

import pandas as pd
import pytest

from seqrec_core.data import funnel_and_rhythm as fr


def _events(counts: dict[str, int], user: str = "u") -> pd.DataFrame:
    types = [t for t, n in counts.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "user_id": [user] * len(types),
            "item_id": ["i"] * len(types),
            "timestamp": pd.date_range("2024-05-01", periods=len(types), freq="h", tz="UTC"),
            "event_type": types,
        }
    )


def test_a_rate_above_one_is_explained_with_its_counts() -> None:
    note = fr.rate_note("cart → purchase", {"view": 900, "cart": 1000, "purchase": 1300})
    assert note is not None
    assert "above 100% for the shop" in note
    assert "1,300 purchase events but only 1,000 cart events" in note
    assert "not a true conversion rate" in note


def test_a_rate_on_few_events_says_how_few() -> None:
    note = fr.rate_note("view → cart", {"view": 7, "cart": 2, "purchase": 0}, "this shopper")
    assert note == "view → cart for this shopper rests on only 7 view events"


@pytest.mark.parametrize(
    "counts",
    [
        {"view": 20, "cart": 5, "purchase": 0},  # 20 views: enough, 25% reads fine
        {"view": 0, "cart": 0, "purchase": 3},  # no base: no rate, nothing to explain
    ],
)
def test_rates_that_read_fine_have_no_note(counts: dict[str, int]) -> None:
    assert fr.rate_note("view → cart", counts) is None


def test_funnel_table_carries_the_notes_of_shop_and_shopper() -> None:
    shop = fr.shop_stats(_events({"view": 50, "cart": 10, "purchase": 13}))
    assert shop.rates["cart → purchase"] == pytest.approx(1.3)
    table = fr.funnel_table(_events({"view": 30, "cart": 2, "purchase": 1}), shop).set_index("step")
    assert table.at["cart → purchase", "shop_rate"] == pytest.approx(1.3)  # kept, explained
    note = table.at["cart → purchase", "note"]
    assert note.startswith("cart → purchase is above 100% for the shop: 13 purchase events")
    assert note.endswith("cart → purchase for this shopper rests on only 2 cart events")
    assert table.at["view → cart", "note"] is None  # 10 of 50 views, 2 of 30: both fine
    assert table.at["view → purchase", "user_rate"] == pytest.approx(1 / 30)


def test_funnel_table_without_funnel_types_is_empty_with_every_column() -> None:
    shop = fr.shop_stats(_events({"click": 3}))
    table = fr.funnel_table(_events({"click": 1}), shop)
    assert table.empty
    assert list(table.columns) == [
        "step",
        "user_rate",
        "shop_rate",
        "user_events",
        "user_base",
        "note",
    ]
