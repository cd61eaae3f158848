"""Profile figures: titled, axis-labelled, named by titles/categories/brands, empty-safe."""

from __future__ import annotations

import pandas as pd
import pytest

from seqrec_core.figures import shopper_profile
from seqrec_core.kg.ego_graph import ego_network
from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.shopper_profile import user_profile
from tests.support.kg_shop import CATALOG, events_frame


@pytest.fixture(scope="module")
def profile():
    return user_profile(build_graph(events_frame(), CATALOG), "u1")


def _labelled(fig) -> None:
    layout = fig.layout
    assert layout.title.text
    assert layout.xaxis.title.text and layout.yaxis.title.text


def test_every_chart_is_titled_and_labelled(profile) -> None:
    figures = [
        shopper_profile.category_affinity_figure(profile.categories),
        shopper_profile.category_affinity_figure(profile.categories, 1),
        shopper_profile.brand_affinity_figure(profile.brands),
        shopper_profile.price_band_figure(profile.price_bands),
        shopper_profile.funnel_comparison_figure(profile.funnel),
        shopper_profile.rhythm_figure(profile.hours, by="hour"),
        shopper_profile.rhythm_figure(profile.weekdays, by="weekday"),
    ]
    for fig in figures:
        _labelled(fig)


def test_affinity_bars_use_names_strongest_first(profile) -> None:
    fig = shopper_profile.category_affinity_figure(profile.categories)
    assert list(fig.data[0].y) == ["Knives", "headphone"]  # leaf names, not paths or ids
    assert fig.data[0].x[0] > fig.data[0].x[1]
    assert list(shopper_profile.brand_affinity_figure(profile.brands).data[0].y) == [
        "Acme",
        "Sonic",
    ]
    assert [t.name for t in shopper_profile.funnel_comparison_figure(profile.funnel).data] == [
        "This shopper",
        "Shop average",
    ]


def test_empty_frames_give_a_note_not_an_error(profile) -> None:
    empty = profile.brands.iloc[0:0]
    fig = shopper_profile.brand_affinity_figure(empty)
    _labelled(fig)
    assert fig.layout.annotations[0].text == "No metadata of this kind in the catalog"
    bare = shopper_profile.funnel_comparison_figure(profile.funnel.iloc[0:0])
    assert "No funnel" in bare.layout.annotations[0].text
    # A purchases-only log (a shop's orders export): every rate undefined, no empty axes.
    orders = profile.funnel.assign(user_rate=float("nan"), shop_rate=float("nan"))
    assert (
        "No funnel" in shopper_profile.funnel_comparison_figure(orders).layout.annotations[0].text
    )
    notes = [
        a.text for a in shopper_profile.funnel_comparison_figure(profile.funnel).layout.annotations
    ]
    assert not any("No funnel" in note for note in notes)  # a real funnel is drawn
    shop_wide = shopper_profile.price_band_figure(profile.price_bands, within_category=False)
    assert shop_wide.layout.title.text == "Price band (within the shop)"
    interests = shopper_profile.interests_figure(pd.DataFrame(columns=["label", "kind", "score"]))
    assert interests.layout.annotations


def test_ego_graph_colours_roles_and_hovers_titles() -> None:
    kg = build_graph(events_frame(), CATALOG)
    ego = ego_network(kg, "u1", max_nodes=12)
    fig = shopper_profile.ego_graph_figure(ego.nodes, ego.edges, title="Neighbourhood of u1")
    assert fig.layout.title.text == "Neighbourhood of u1"
    names = [t.name for t in fig.data[1:]]
    assert names[0] == "This shopper" and "Items they touched" in names
    hovers = " ".join(h for t in fig.data[1:] for h in t.customdata[:, 0])
    assert "Chef Knife" in hovers and "item i1" in hovers
    edges = fig.data[0]
    assert len(edges.x) == 3 * len(ego.edges)  # a segment and a gap per edge


def test_a_funnel_rate_above_100_percent_is_explained_under_the_chart() -> None:
    """Regression: a store log's shop-average cart → purchase read 130% without a word."""
    funnel = pd.DataFrame(
        {
            "step": ["view → cart", "cart → purchase"],
            "user_rate": [0.5, 1.0],
            "shop_rate": [0.2, 1.3],
            "user_events": [1, 1],
            "user_base": [2, 1],
            "note": [None, "cart → purchase is above 100% for the shop: 13 purchase events"],
        }
    )
    fig = shopper_profile.funnel_comparison_figure(funnel)
    assert [a.text for a in fig.layout.annotations] == [
        "cart → purchase is above 100% for the shop: 13 purchase events"
    ]
    long = funnel.assign(note=["a few words " * 12, "more words " * 12])
    lines = shopper_profile.funnel_comparison_figure(long).layout
    shown = lines.annotations[0].text.split("<br>")
    assert len(shown) >= 4 and all(len(line) <= shopper_profile.NOTE_WIDTH for line in shown)
    assert lines.margin.b >= 62 + 15 * len(shown)  # every line inside the figure
    plain = shopper_profile.funnel_comparison_figure(funnel.assign(note=None))
    assert not plain.layout.annotations
