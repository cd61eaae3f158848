"""Figures (figures, figures_data): every chart titled and axis-labelled, names not ids,
log–log axes for the long tail, empty frames drawn as labelled empty charts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from seqrec_core.figures import dataset_profile, style


def _over_time() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02"]),
            "event_type": ["view", "purchase", "view"],
            "events": [5, 1, 3],
        }
    )


def _funnel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_type": ["view", "cart", "purchase", "wink"],
            "events": [18, 4, 3, 1],
            "users": [7, 4, 3, 1],
            "user_share": [1.0, 4 / 7, 3 / 7, 1 / 7],
            "stage": [True, True, True, False],
        }
    )


def _popularity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2, 3],
            "item_id": ["i01", "i02", "i03"],
            "title": ["Trail Tent 2P", None, "Espresso Cup"],
            "events": [11, 5, 2],
            "cumulative_share": [11 / 18, 16 / 18, 1.0],
        }
    )


def _top_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["i01", "i02", "i03"],
            "title": ["Trail Tent 2P", "Down Sleeping Bag", None],
            "events": [11, 5, 2],
            "users": [7, 3, 2],
        }
    )


def _coverage() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "field": ["title", "category", "brand", "price"],
            "items_with_value": [4, 4, 4, 3],
            "item_share": [4 / 13, 4 / 13, 4 / 13, 3 / 13],
            "event_share": [20 / 29, 20 / 29, 19 / 29, 18 / 29],
        }
    )


def _ranked(key: str, names: list[str]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame({key: names, "events": range(n, 0, -1), "users": [1] * n, "items": [1] * n})


ALL_FIGURES = {
    "events_over_time": lambda: dataset_profile.events_over_time_figure(_over_time(), "day"),
    "funnel": lambda: dataset_profile.funnel_figure(_funnel()),
    "sequence_length": lambda: dataset_profile.sequence_length_figure(
        pd.DataFrame({"length": [1, 2, 3, 5], "users": [1, 1, 2, 1]}), median=3
    ),
    "popularity": lambda: dataset_profile.popularity_figure(_popularity()),
    "top_items": lambda: dataset_profile.top_items_figure(_top_items()),
    "coverage": lambda: dataset_profile.coverage_figure(_coverage()),
    "categories": lambda: dataset_profile.top_categories_figure(
        _ranked("category", ["Outdoor", "Home"])
    ),
    "brands": lambda: dataset_profile.top_brands_figure(_ranked("brand", ["Nordpeak", "Bellaria"])),
}


@pytest.mark.parametrize("name", sorted(ALL_FIGURES))
def test_every_figure_has_a_title_and_axis_titles(name: str) -> None:
    fig = ALL_FIGURES[name]()
    assert isinstance(fig, go.Figure)
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text
    assert fig.layout.yaxis.title.text
    assert len(fig.data) >= 1


def test_popularity_uses_log_log_axes_and_item_names() -> None:
    fig = dataset_profile.popularity_figure(_popularity())
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.type == "log"
    assert list(fig.data[0].text) == ["Trail Tent 2P", "i02", "Espresso Cup"]
    assert "Trail Tent 2P" in fig.layout.annotations[0].text


def test_top_items_are_named_by_title_falling_back_to_id() -> None:
    fig = dataset_profile.top_items_figure(_top_items())
    assert list(fig.data[0].y) == ["Trail Tent 2P", "Down Sleeping Bag", "i03"]


def test_item_labels_disambiguate_shared_and_shorten_long_titles() -> None:
    long_title = "A very long product title that goes on and on and on"
    labels = style.item_labels(
        pd.Series(["a", "b", "c", "d"]), pd.Series(["Mug", "Mug", long_title, "  "])
    )
    assert labels[0] == "Mug (a)" and labels[1] == "Mug (b)"
    assert labels[2].endswith("…") and len(labels[2]) == 40
    assert labels[3] == "d"
    assert list(style.item_labels(pd.Series(["x", "y"]))) == ["x", "y"]


def test_funnel_keeps_the_given_order_and_shows_user_shares() -> None:
    fig = dataset_profile.funnel_figure(_funnel())
    assert list(fig.data[0].x) == ["view", "cart", "purchase", "wink"]
    assert fig.data[0].text[1] == "57% of users"


def test_events_over_time_has_one_band_per_type_in_fixed_colours() -> None:
    fig = dataset_profile.events_over_time_figure(_over_time(), "week")
    assert [trace.name for trace in fig.data] == ["view", "purchase"]
    assert fig.data[0].line.color == style.EVENT_COLORS["view"]
    assert fig.layout.yaxis.title.text == "Events per week"


def test_short_sequence_lengths_get_a_bar_each_with_the_median_marked() -> None:
    fig = dataset_profile.sequence_length_figure(
        pd.DataFrame({"length": [1, 2, 9], "users": [3, 1, 1]}), median=2
    )
    assert list(fig.data[0].x) == [1, 2, 9]
    assert "median 2" in fig.layout.title.text
    assert fig.layout.shapes[0].x0 == 2


def test_long_sequence_lengths_are_grouped_into_widening_bins() -> None:
    frame = pd.DataFrame({"length": [1, 2, 7, 9, 40, 900, 12000], "users": [5, 4, 3, 2, 1, 1, 1]})
    fig = dataset_profile.sequence_length_figure(frame, median=2)
    bins = dict(zip(fig.data[0].x, fig.data[0].y, strict=True))
    assert bins["1"] == 5 and bins["2"] == 4 and bins["6–7"] == 3 and bins["8–10"] == 2
    assert bins["31–50"] == 1 and bins["501–1k"] == 1 and bins["10k+"] == 1
    assert bins["1k–2k"] == 0
    assert sum(bins.values()) == frame["users"].sum()
    assert fig.layout.xaxis.type == "category"
    assert "grouped" in fig.layout.xaxis.title.text


def test_coverage_is_a_percentage_axis() -> None:
    fig = dataset_profile.coverage_figure(_coverage())
    assert fig.layout.xaxis.tickformat == ".0%"
    assert [trace.name for trace in fig.data] == ["Share of items", "Share of events"]


def test_categories_and_brands_show_their_names() -> None:
    categories = dataset_profile.top_categories_figure(
        _ranked("category", ["Outdoor > Camping > Tents", "Home > Kitchen"]), level="path"
    )
    assert list(categories.data[0].y) == ["Outdoor > Camping > Tents", "Home > Kitchen"]
    assert "category paths" in categories.layout.title.text
    brands = dataset_profile.top_brands_figure(_ranked("brand", ["Nordpeak"]))
    assert list(brands.data[0].y) == ["Nordpeak"]


def test_empty_frames_give_a_labelled_figure_with_a_note() -> None:
    fig = dataset_profile.top_brands_figure(_ranked("brand", []))
    assert fig.layout.title.text and fig.layout.xaxis.title.text
    assert "No brands" in fig.layout.annotations[0].text
    empty_time = dataset_profile.events_over_time_figure(_over_time().iloc[0:0])
    assert empty_time.layout.annotations[0].text == "No events to show"


def test_item_labels_accept_an_all_null_arrow_title_column() -> None:
    """Regression: DuckDB returns a null[pyarrow] column when no item has a title."""
    titles = pd.Series([None, None], dtype="null[pyarrow]")
    assert list(style.item_labels(pd.Series(["i1", "i2"]), titles)) == ["i1", "i2"]


def test_empty_coverage_says_that_there_is_no_catalog() -> None:
    frame = _coverage().assign(items_with_value=0, item_share=0.0, event_share=0.0)
    fig = dataset_profile.coverage_figure(frame)
    assert "No item metadata" in fig.layout.annotations[0].text


def test_small_counts_get_whole_number_ticks() -> None:
    fig = dataset_profile.funnel_figure(_funnel().assign(users=[3, 1, 1, 1]))
    assert fig.layout.yaxis.dtick == 1


def test_short_time_ranges_get_one_tick_per_day_not_clock_times() -> None:
    fig = dataset_profile.events_over_time_figure(_over_time(), "day")
    assert fig.layout.xaxis.dtick == 86_400_000
    assert "%H" not in fig.layout.xaxis.tickformat


# -- real exports: numeric ids, logs of hours or years, one shopper, 100k items ----------


def test_numeric_product_ids_are_bars_of_their_own_not_a_numeric_scale() -> None:
    """Regression: ids such as 1500000 and 4800000 were drawn on a 1.5M–5M numeric axis."""
    frame = pd.DataFrame(
        {"item_id": ["4800000", "1500000", "85123"], "title": [None] * 3, "events": [9, 5, 2]}
    ).assign(users=[3, 2, 1])
    fig = dataset_profile.top_items_figure(frame)
    assert fig.layout.yaxis.type == "category"
    assert list(fig.data[0].y) == ["4800000", "1500000", "85123"]
    for ranked in (
        dataset_profile.top_categories_figure(_ranked("category", ["2053013555631882655"])),
        dataset_profile.top_brands_figure(_ranked("brand", ["3"])),
    ):
        assert ranked.layout.yaxis.type == "category"


def test_numeric_event_codes_are_funnel_categories() -> None:
    frame = _funnel().assign(event_type=["1", "2", "3", "4"])
    fig = dataset_profile.funnel_figure(frame)
    assert fig.layout.xaxis.type == "category"
    assert list(fig.data[0].x) == ["1", "2", "3", "4"]


def test_a_log_of_hours_gets_clock_times() -> None:
    frame = pd.DataFrame(
        {
            "period": pd.date_range("2024-05-01 10:00", periods=4, freq="h"),
            "event_type": ["view"] * 4,
            "events": [3, 1, 4, 1],
        }
    )
    fig = dataset_profile.events_over_time_figure(frame, "hour")
    assert fig.layout.title.text == "Events per hour, by event type"
    assert fig.layout.xaxis.title.text == "Time (UTC)"
    assert fig.layout.xaxis.dtick == 3_600_000 and "%H:%M" in fig.layout.xaxis.tickformat
    assert "%H:%M" in fig.data[0].hovertemplate
    assert fig.data[0].mode == "lines+markers"


def test_a_log_of_years_gets_month_bins_without_clock_times() -> None:
    frame = pd.DataFrame(
        {
            "period": pd.date_range("2019-01-01", periods=60, freq="MS"),
            "event_type": ["purchase"] * 60,
            "events": range(60),
        }
    )
    fig = dataset_profile.events_over_time_figure(frame, "month")
    assert fig.layout.xaxis.title.text == "Month starting"
    assert fig.layout.yaxis.title.text == "Events per month"
    assert "%H" not in fig.data[0].hovertemplate
    assert fig.data[0].mode == "lines"  # 60 bins: a line, not dots


def test_one_shopper_draws_every_chart() -> None:
    lengths = dataset_profile.sequence_length_figure(
        pd.DataFrame({"length": [4], "users": [1]}), median=4
    )
    assert list(lengths.data[0].y) == [1] and "median 4" in lengths.layout.title.text
    funnel = dataset_profile.funnel_figure(_funnel().iloc[:1].assign(users=1, user_share=1.0))
    assert funnel.data[0].text == ("100% of users",)


def test_the_long_tail_of_100k_items_is_thinned_keeping_both_ends() -> None:
    n = 100_000
    frame = pd.DataFrame(
        {
            "rank": range(1, n + 1),
            "item_id": [str(k) for k in range(n)],
            "title": [None] * n,
            "events": range(n, 0, -1),
            "cumulative_share": [(k + 1) / n for k in range(n)],
        }
    )
    fig = dataset_profile.popularity_figure(frame)
    ranks = list(fig.data[0].x)
    assert len(ranks) <= dataset_profile.MAX_TAIL_POINTS
    assert ranks[0] == 1 and ranks[-1] == n
    assert ranks[:10] == list(range(1, 11))  # the head stays dense
    assert ranks == sorted(ranks)
