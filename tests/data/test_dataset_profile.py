"""Profile numbers on a tiny handmade dataset: 7 users, 13 items, 29 events, 14 days.

Every expected number below is counted by hand from `SEQUENCES` and `CATALOG`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.data import dataset_profile

BASE = pd.Timestamp("2024-03-01")

# user -> [(item, event type, day)], in time order; the n-th event of a user is at hour n.
SEQUENCES: dict[str, list[tuple[str, str, int]]] = {
    "u1": [("i01", "view", 0)],
    "u2": [("i01", "view", 0), ("i01", "cart", 0)],
    "u3": [("i02", "view", 1), ("i01", "view", 1), ("i01", "purchase", 2)],
    "u4": [("i03", "view", 2), ("i04", "click", 3), ("i01", "view", 3)],
    "u5": [
        ("i05", "view", 4),
        ("i06", "view", 4),
        ("i01", "cart", 5),
        ("i01", "purchase", 5),
        ("i07", "fav", 6),
    ],
    "u6": [
        ("i08", "view", 6),
        ("i09", "view", 7),
        ("i10", "view", 7),
        ("i11", "view", 8),
        ("i02", "cart", 8),
        ("i02", "purchase", 9),
        ("i12", "wink", 9),  # an unknown event word, kept as is
        ("i01", "view", 10),
    ],
    "u7": [
        ("i13", "view", 10),
        ("i02", "view", 11),
        ("i03", "view", 11),
        ("i01", "view", 12),
        ("i01", "cart", 12),
        ("i04", "remove_from_cart", 12),
        ("i02", "view", 13),
    ],
}

# i05 has a blank title (counts as missing); i99 is in the catalog but never in events.
CATALOG = pd.DataFrame(
    {
        "item_id": ["i01", "i02", "i03", "i04", "i05", "i99"],
        "title": ["Trail Tent 2P", "Down Sleeping Bag", "Espresso Cup", "Chef Knife", " ", "Ghost"],
        "category": [
            "Outdoor > Camping > Tents",
            "Outdoor > Camping > Sleeping",
            "Home > Kitchen > Cups",
            "Home > Kitchen > Knives",
            None,
            "Home > Ghosts",
        ],
        "brand": ["Nordpeak", "Nordpeak", "Bellaria", None, "Bellaria", None],
        "price": [199.0, 89.0, None, 45.0, None, 1.0],
    }
)


def _events() -> pd.DataFrame:
    rows = []
    line = 2
    for user, events in SEQUENCES.items():
        for hour, (item, event_type, day) in enumerate(events):
            ts = BASE + pd.Timedelta(days=day, hours=hour)
            rows.append((user, item, ts, event_type, line))
            line += 1
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event_type", "line"])
    for column in ("user_id", "item_id", "event_type"):
        frame[column] = frame[column].astype("string")
    frame["timestamp"] = frame["timestamp"].astype("datetime64[us]")
    return frame


@pytest.fixture
def events_path(tmp_path: Path) -> Path:
    path = tmp_path / "events.parquet"
    _events().to_parquet(path, index=False)
    return path


@pytest.fixture
def items_path(tmp_path: Path) -> Path:
    path = tmp_path / "items.parquet"
    CATALOG.to_parquet(path, index=False)
    return path


def test_fixture_has_the_sizes_the_numbers_below_assume() -> None:
    frame = _events()
    assert (len(frame), frame["user_id"].nunique(), frame["item_id"].nunique()) == (29, 7, 13)


def test_headline(events_path: Path, items_path: Path) -> None:
    head = dataset_profile.headline(dataset_profile.connect(events_path, items_path))
    assert (head.events, head.users, head.items) == (29, 7, 13)
    assert head.catalog_items == 6  # i01..i05 and the catalog-only i99
    assert head.event_types == 7
    assert head.median_sequence_length == 3  # lengths 1, 2, 3, 3, 5, 7, 8
    assert head.time_min == BASE
    assert head.time_max == BASE + pd.Timedelta(days=13, hours=6)
    assert head.span_days == pytest.approx(13.25)


def test_funnel_puts_view_cart_purchase_first_then_the_rest(events_path: Path) -> None:
    frame = dataset_profile.funnel(dataset_profile.connect(events_path))
    assert list(frame["event_type"]) == [
        "view",
        "cart",
        "purchase",
        "click",
        "fav",
        "remove_from_cart",
        "wink",
    ]
    assert list(frame["events"]) == [18, 4, 3, 1, 1, 1, 1]
    assert list(frame["users"]) == [7, 4, 3, 1, 1, 1, 1]
    assert frame["user_share"].iloc[1] == pytest.approx(4 / 7)
    assert list(frame["stage"]) == [True, True, True, False, False, False, False]


def test_sequence_lengths(events_path: Path) -> None:
    frame = dataset_profile.sequence_lengths(dataset_profile.connect(events_path))
    assert dict(zip(frame["length"], frame["users"], strict=True)) == {
        1: 1,
        2: 1,
        3: 2,
        5: 1,
        7: 1,
        8: 1,
    }


def test_item_popularity_ranks_and_cumulative_share(events_path: Path, items_path: Path) -> None:
    frame = dataset_profile.item_popularity(dataset_profile.connect(events_path, items_path))
    assert list(frame["rank"]) == list(range(1, 14))
    assert list(frame["item_id"][:4]) == ["i01", "i02", "i03", "i04"]  # i03/i04 tie: by id
    assert list(frame["events"]) == [11, 5, 2, 2] + [1] * 9
    assert frame["title"].iloc[0] == "Trail Tent 2P"
    assert frame["cumulative_share"].iloc[0] == pytest.approx(11 / 29)
    assert frame["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_item_popularity_thins_out_a_long_tail(tmp_path: Path) -> None:
    """5,000 items: every rank up to 1,000, then log-spaced ranks and the last one."""
    n = 5000
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i % 37}" for i in range(n)],
            "item_id": [f"i{i}" for i in range(n)],
            "timestamp": pd.Timestamp("2024-01-01"),
            "event_type": "view",
        }
    )
    path = tmp_path / "wide.parquet"
    frame.to_parquet(path, index=False)
    ranks = dataset_profile.item_popularity(dataset_profile.connect(path))["rank"]
    assert list(ranks[:1000]) == list(range(1, 1001))
    assert ranks.iloc[-1] == n
    assert 1000 < len(ranks) < 1300


def test_top_items_carry_titles(events_path: Path, items_path: Path) -> None:
    frame = dataset_profile.top_items(dataset_profile.connect(events_path, items_path), n=3)
    assert list(frame["item_id"]) == ["i01", "i02", "i03"]
    assert list(frame["title"]) == ["Trail Tent 2P", "Down Sleeping Bag", "Espresso Cup"]
    assert list(frame["users"]) == [7, 3, 2]


def test_catalog_coverage(events_path: Path, items_path: Path) -> None:
    frame = dataset_profile.catalog_coverage(dataset_profile.connect(events_path, items_path))
    got = frame.set_index("field")
    assert list(got.index) == ["title", "category", "brand", "price"]
    assert list(got["items_with_value"]) == [4, 4, 4, 3]
    assert got.loc["title", "item_share"] == pytest.approx(4 / 13)
    assert got.loc["title", "event_share"] == pytest.approx(20 / 29)
    assert got.loc["brand", "event_share"] == pytest.approx(19 / 29)
    assert got.loc["price", "event_share"] == pytest.approx(18 / 29)


def test_top_categories_by_top_level_and_by_path(events_path: Path, items_path: Path) -> None:
    con = dataset_profile.connect(events_path, items_path)
    top = dataset_profile.top_categories(con, level="top")
    assert top.to_dict("list") == {
        "category": ["Outdoor", "Home"],
        "events": [16, 4],
        "users": [7, 2],
        "items": [2, 2],
    }
    paths = dataset_profile.top_categories(con, level="path")
    assert list(paths["category"]) == [
        "Outdoor > Camping > Tents",
        "Outdoor > Camping > Sleeping",
        "Home > Kitchen > Cups",
        "Home > Kitchen > Knives",
    ]
    assert list(paths["events"]) == [11, 5, 2, 2]
    with pytest.raises(ValueError, match="level"):
        dataset_profile.top_categories(con, level="leaf")


def test_top_brands(events_path: Path, items_path: Path) -> None:
    frame = dataset_profile.top_brands(dataset_profile.connect(events_path, items_path))
    assert frame.to_dict("list") == {
        "brand": ["Nordpeak", "Bellaria"],
        "events": [16, 3],
        "users": [7, 3],
        "items": [2, 2],
    }


def test_events_over_time_daily(events_path: Path) -> None:
    frame = dataset_profile.events_over_time(dataset_profile.connect(events_path))
    assert frame["events"].sum() == 29
    assert frame["period"].nunique() == 14  # every one of the 14 days has events
    day0 = frame[frame["period"] == BASE].set_index("event_type")["events"].to_dict()
    assert day0 == {"view": 2, "cart": 1}


def test_events_over_time_weekly_and_rare_types_as_other(
    events_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset_profile, "MAX_TIME_TYPES", 3)
    frame = dataset_profile.events_over_time(dataset_profile.connect(events_path), "week")
    assert frame["period"].nunique() == 3  # 2024-03-01 is a Friday: 3 Monday-weeks
    totals = frame.groupby("event_type")["events"].sum().to_dict()
    assert totals == {"view": 18, "cart": 4, "purchase": 3, "other": 4}


@pytest.mark.parametrize(
    ("span_days", "expected"),
    [
        (0, "minute"),
        (3 / 24, "minute"),
        (4 / 24, "hour"),
        (4, "hour"),
        (4.5, "day"),
        (92, "day"),
        (93, "week"),
        (1200, "month"),
    ],
)
def test_time_bin_for_span(span_days: float, expected: str) -> None:
    assert dataset_profile.time_bin_for_span(span_days) == expected


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "odd.parquet"
    frame.astype({"user_id": "string", "item_id": "string", "event_type": "string"}).to_parquet(
        path, index=False
    )
    return path


def _log(users: list[str], items: list[str], times: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": users,
            "item_id": items,
            "timestamp": times.astype("datetime64[us]"),
            "event_type": ["view"] * len(times),
            "line": range(2, len(times) + 2),
        }
    )


def test_a_log_of_three_hours_is_binned_by_minute(tmp_path: Path) -> None:
    """Regression: a 3-hour log was one dot of "events per day" and a span of "0 days"."""
    times = pd.date_range("2024-05-01 10:00", "2024-05-01 13:00", freq="5min")  # 37 events
    numeric_ids = [str(1_500_000 + 97 * k) for k in range(len(times))]
    path = _write(tmp_path, _log(["17850"] * 20 + ["13047"] * 17, numeric_ids, times))
    result = dataset_profile.profile_dataset(path)
    assert result.headline.span_days == pytest.approx(3 / 24)
    assert result.time_bin == "minute"
    assert result.events_over_time["period"].nunique() == 37
    assert result.events_over_time["events"].sum() == 37
    assert list(result.top_items["item_id"][:2]) == ["1500000", "1500097"]  # ids stay text


def test_a_log_of_years_is_binned_by_month(tmp_path: Path) -> None:
    times = pd.date_range("2019-01-15", "2023-12-15", freq="MS")  # 59 month starts
    path = _write(tmp_path, _log([f"u{k % 5}" for k in range(len(times))], ["i"] * 59, times))
    result = dataset_profile.profile_dataset(path)
    assert result.time_bin == "month"
    assert result.events_over_time["period"].nunique() == 59


def test_one_shopper_is_profiled(tmp_path: Path) -> None:
    times = pd.date_range("2024-05-01", periods=4, freq="D")
    path = _write(tmp_path, _log(["solo"] * 4, ["a", "b", "a", "c"], times))
    result = dataset_profile.profile_dataset(path)
    assert (result.headline.users, result.headline.median_sequence_length) == (1, 4)
    assert result.sequence_lengths.to_dict("list") == {"length": [4], "users": [1]}
    assert result.funnel.at[0, "user_share"] == 1.0


def test_the_long_tail_of_100k_items_stays_small(tmp_path: Path) -> None:
    n = 100_000
    times = pd.date_range("2024-01-01", periods=n, freq="min")
    items = [str(k) for k in range(n)]
    path = _write(tmp_path, _log([f"u{k % 997}" for k in range(n)], items, times))
    tail = dataset_profile.item_popularity(dataset_profile.connect(path))
    # every rank up to 1,000, then about 100 per e-fold: ln(100,000 / 1,000) * 100 ≈ 461
    assert 1000 + 440 <= len(tail) <= 1000 + 480
    assert tail["rank"].iloc[-1] == n and tail["cumulative_share"].iloc[-1] == pytest.approx(1)


def test_profile_without_catalog(events_path: Path) -> None:
    result = dataset_profile.profile_dataset(events_path, None)
    assert result.headline.catalog_items == 0
    assert result.time_bin == "day"
    assert list(result.coverage["items_with_value"]) == [0, 0, 0, 0]
    assert list(result.coverage["item_share"]) == [0, 0, 0, 0]
    assert result.top_categories.empty and result.top_brands.empty
    assert result.popularity["title"].isna().all()


def test_profile_dataset_bundles_every_table(events_path: Path, items_path: Path) -> None:
    result = dataset_profile.profile_dataset(events_path, items_path, top_n=2)
    assert result.headline.events == 29
    assert len(result.top_items) == 2
    assert list(result.top_category_paths["category"]) == [
        "Outdoor > Camping > Tents",
        "Outdoor > Camping > Sleeping",
    ]
    assert list(result.funnel["event_type"][:3]) == ["view", "cart", "purchase"]


def test_profile_dataset_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        dataset_profile.profile_dataset(tmp_path / "nope.parquet")
