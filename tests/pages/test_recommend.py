"""The Recommend page through AppTest: list, what-if edits with a rank diff, cold start,
scenarios and the segment preview, on the handmade chain shop (tests/chain_shop.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core.cli.main import main
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace
from seqrec_core.ui import filter_link, recommend_views
from tests.support.chain_shop import chain_shop
from tests.support.helpers import open_page

PAGE = "pages/recommend.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws, run_id = chain_shop(tmp_path_factory.mktemp("page-recommend"))
    return ws.root, run_id


@pytest.fixture
def app(shop: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    root, run_id = shop
    monkeypatch.setenv("SEQREC_WORKSPACE", str(root))
    return open_page(PAGE, {"run": run_id, "user": "u04"})


# AppTest does not report a dataframe's key: tables are told apart by their columns.
_COLUMNS = {
    "original_table": "because",
    "edited_table": "because",
    "whatif_history": "edited",
    "whatif_diff_table": "change",
}


def _tables(at: AppTest, key: str) -> list:
    return [d.value for d in at.dataframe if _COLUMNS[key] in d.value.columns]


def _table(at: AppTest, key: str):
    found = _tables(at, key)
    return found[1] if key == "edited_table" else found[0]


def test_the_shoppers_list_opens_from_a_link(app: AppTest, shop: tuple[Path, str]) -> None:
    assert app.title[0].value == "Recommend"
    assert app.selectbox(key="user").value == "u04"
    assert not app.expander[0].proto.expanded  # a link without filters: Filters closed
    shown = _table(app, "original_table")
    assert len(shown) == 10 and list(shown["rank"]) == list(range(1, 11))
    # u04's last event is P10: its chain successor P11 comes first, with its reason.
    assert shown.iloc[0]["item_id"] == "P11"
    assert shown.iloc[0]["because"] == "because they viewed Thing 10"
    # u04 walks the Hiking chain; the graph says why P11 fits them.
    assert (
        shown.iloc[0]["connection (knowledge graph)"]
        == "Also in Hiking, like the Thing 16 they bought."
    )
    assert app.query_params["run"] == shop[1]
    # The page opens with what the shopper is shown and why, before any table.
    assert app.markdown[0].value == (
        "u04 would be shown Thing 11 first, because they viewed Thing 10; "
        "5 of the 10 are in Outdoor and 5 in Home."
    )


def test_a_what_if_edit_rescores_and_shows_the_diff(app: AppTest, shop: tuple[Path, str]) -> None:
    app.selectbox(key="whatif_add_item").set_value("P20").run()
    app.button(key="whatif_add").click().run()
    assert not app.exception, app.exception
    history = _table(app, "whatif_history")
    # Newest event first, where the edit happened.
    assert history["item_id"].iloc[0] == "P20" and history.iloc[0]["edited"] == "✎"
    assert list(history["#"]) == list(range(len(history), 0, -1))
    assert app.selectbox(key="whatif_add_item").value is None  # ready for the next product
    edited = _table(app, "edited_table")
    root, run_id = shop
    engine = RunRecommender.from_run(load_run(Workspace.open(root), run_id))
    stored = engine.user_history("u04")
    expected = engine.recommend((*stored, Event("P20", "purchase")), k=10)
    assert list(edited["item_id"]) == [r.item_id for r in expected.items]  # page == core
    assert edited.iloc[0]["item_id"] == "P21"
    diff = _table(app, "whatif_diff_table")
    assert set(diff["change"]) <= {"new", "up", "down", "same", "dropped"}
    moved = diff[diff["item"] == "Thing 21"].iloc[0]
    assert moved["rank after"] == 1 and moved["change"] in {"new", "up"}

    said = [m.value for m in app.markdown if m.value.startswith("**After the edit.**")]
    assert said == [
        "**After the edit.** The edit keeps the same 10 products but reorders 2 of them; "
        "Thing 21 now comes first."
    ]

    (retype,) = [s for s in app.selectbox if s.label == "Event type"]
    assert retype.value == "purchase"  # the newest event is picked: the one just added
    retype.set_value("view").run()
    history = _table(app, "whatif_history")
    assert list(history[["item_id", "event"]].iloc[0]) == ["P20", "view"]
    retype = next(s for s in app.selectbox if s.label == "Event type")
    assert retype.value == "view"  # redrawn for the edited history, not the old one

    app.button(key="whatif_remove").click().run()  # the newest (added) event goes again
    assert _table(app, "whatif_history")["item_id"].iloc[0] == "P10"
    app.button(key="whatif_reset").click().run()
    assert len(_tables(app, "edited_table")) == 1  # only the original list again


def test_scenarios_are_saved_and_compared(app: AppTest) -> None:
    app.button(key="whatif_up").click().run()  # move the newest event one step earlier
    app.text_input(key="whatif_name").set_value("swapped").run()
    app.button(key="whatif_save").click().run()
    assert not app.exception, app.exception
    assert app.multiselect(key="whatif_compare").value == ["swapped"]
    assert any("swapped" in str(m.value) for m in app.markdown)


def test_an_unknown_shopper_gets_a_labelled_cold_start(app: AppTest) -> None:
    app.text_input(key="shopper_search").set_value("somebody-new").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="user").value == "somebody-new"
    assert any("Cold start" in str(w.value) for w in app.warning)
    assert app.query_params["user"] == "somebody-new"


def test_segment_preview(app: AppTest) -> None:
    assert not [b for b in app.button if "Preview this segment" in str(b.label)]  # tab closed
    app.session_state["recommend_tab"] = "Segment preview"
    app.run()
    form_button = next(b for b in app.button if "Preview this segment" in str(b.label))
    form_button.click().run()
    assert not app.exception, app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Shoppers"] != "0"
    assert metrics["Catalog coverage"].endswith("%")


def test_a_segment_of_a_catalog_without_categories_or_brands_asks_only_what_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        (f"v{u}", f"x{(u + s) % 5}", f"2026-02-0{1 + s}T1{u}:00:00Z", "purchase")
        for u in range(4)
        for s in range(4)
    ]
    columns = ["user_id", "item_id", "timestamp", "event_type"]
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "bare.csv", index=False)
    ws = Workspace.open(tmp_path / "ws")
    ingest(tmp_path / "bare.csv", ws, "bare")
    argv = ["train", "--workspace", str(ws.root), "--dataset", "bare", "--model", "pop", "--json"]
    assert main(argv) == 0
    monkeypatch.setenv("SEQREC_WORKSPACE", str(ws.root))
    at = open_page(PAGE, {"dataset": "bare"})
    at.session_state["recommend_tab"] = "Segment preview"
    at.run()
    assert not at.exception, at.exception
    labels = [w.label for w in [*at.selectbox, *at.multiselect, *at.number_input]]
    assert "Event types" in labels and "In the last N days (0: all)" in labels
    assert "Touched category" not in labels and "Touched brand" not in labels
    next(b for b in at.button if "Preview this segment" in str(b.label)).click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Shoppers"] != "0" and "Top-level categories per list" not in metrics
    assert "Segment: purchase." in [c.value for c in at.caption]


def test_new_products_are_marked_in_the_list() -> None:
    from seqrec_core.recommend.recommender import Recommendation, RecommendationList
    from seqrec_core.ui.recommend_views import list_frame

    items = (
        Recommendation(1, "A", 2.0, "", {"title": "Trail Tent"}),
        Recommendation(2, "N", 1.0, "", {"title": "Trail Tent 3P"}, new=True),
    )
    frame = list_frame(RecommendationList("u1", (), items))
    assert frame["item"].tolist() == ["Trail Tent", "Trail Tent 3P · new"]


def test_the_run_and_shopper_come_back_after_visiting_another_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the chosen run and shopper were lost when switching datasets and back."""
    ws, first_run = chain_shop(tmp_path)
    ingest(tmp_path / "events.csv", ws, "chains-copy", items_path=tmp_path / "items.csv")
    argv = ["--workspace", str(ws.root), "--dataset", "chains", "--model", "pop", "--json"]
    assert main(["train", *argv]) == 0  # a second run of `chains`, newer than `first_run`
    argv[3] = "chains-copy"
    assert main(["train", *argv]) == 0
    monkeypatch.setenv("SEQREC_WORKSPACE", str(ws.root))
    at = open_page(PAGE, {"dataset": "chains"})
    at.selectbox(key="run").set_value(first_run).run()
    at.selectbox(key="user").set_value("u07").run()
    at.selectbox(key="dataset").set_value("chains-copy").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="run").value.startswith("pop-")  # that dataset's only run
    at.selectbox(key="user").set_value("u02").run()
    at.selectbox(key="dataset").set_value("chains").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="run").value == first_run
    assert at.selectbox(key="user").value == "u07"
    assert at.query_params["user"] == "u07" and at.query_params["run"] == first_run


def test_filters_round_trip_through_the_link_and_bad_values_are_dropped() -> None:
    rules = Filters(
        exclude_seen=False,
        exclude_purchased=True,
        include_categories=("Outdoor",),
        exclude_brands=("Acme", "Dune"),
        max_price=80.0,
    )
    params = filter_link.link_params(rules, 20)
    assert params == {
        "k": ["20"],
        "hide": ["bought"],
        "cat": ["Outdoor"],
        "not_brand": ["Acme", "Dune"],
        "price_max": ["80"],
    }
    assert filter_link.link_params(Filters(), 10) == {}  # the defaults make a bare link
    values = filter_link.widget_values(params, ["Outdoor", "Home"], ["Acme", "Dune"], 270.0)
    assert values == {
        "rec_k": 20,
        "rec_seen": False,
        "rec_bought": True,
        "rec_inc_cat": ["Outdoor"],
        "rec_exc_brand": ["Acme", "Dune"],
        "rec_price": (0.0, 80.0),
    }
    edited = {
        "k": ["0"],
        "hide": ["all"],
        "cat": ["Garden"],
        "price_min": ["x"],
        "price_max": ["1e9"],
    }
    assert filter_link.widget_values(edited, ["Outdoor"], [], 270.0) == {"rec_price": (0.0, 270.0)}
    assert filter_link.widget_values(edited, ["Outdoor"], [], None) == {}  # no prices: no slider
    # Regression: a bare link (every parameter read as an empty list) opened the Filters
    # expander, because an empty price_min counted as a price the link asked for.
    bare = {name: [] for name in filter_link.PARAMS}
    assert filter_link.widget_values(bare, ["Outdoor"], ["Acme"], 270.0) == {}


def test_a_link_with_filters_reopens_them_and_the_link_follows_changes(
    shop: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a deep link to Recommend dropped the filters."""
    root, run_id = shop
    monkeypatch.setenv("SEQREC_WORKSPACE", str(root))
    link = {"run": run_id, "user": "u04", "k": "5", "not_brand": "Acme", "price_max": "150"}
    at = open_page(PAGE, link)
    assert at.number_input(key="rec_k").value == 5
    assert at.multiselect(key="rec_exc_brand").value == ["Acme"]
    assert at.slider(key="rec_price").value == (0.0, 150.0)
    assert at.expander[0].label == "Filters" and at.expander[0].proto.expanded
    shown = _table(at, "original_table")
    assert len(shown) == 5 and "Acme" not in set(shown["brand"])
    assert (shown["price"] <= 150).all()
    at.multiselect(key="rec_inc_cat").select("Home").run()
    assert at.query_params["cat"] == "Home" and at.query_params["k"] == "5"
    at.number_input(key="rec_k").set_value(10).run()
    assert "k" not in at.query_params  # back to the default: left out of the link


def test_charts_are_drawn_only_when_their_expander_is_opened(app: AppTest) -> None:
    app.button(key="whatif_up").click().run()  # an edit: the edited list and its rank diff
    assert not app.exception, app.exception
    closed = [e.label for e in app.expander if "as a chart" in e.label]
    assert closed == [
        "The model's scores, as a chart",
        "The model's scores, as a chart",
        "How each product moved, as a chart",
    ]
    assert len(app.get("plotly_chart")) == 0  # nothing drawn while they are closed
    app.session_state["original_scores_open"] = True  # as the browser says on opening
    app.session_state["whatif_diff_open"] = True
    app.run()
    specs = [c.proto.spec for c in app.get("plotly_chart")]
    assert len(specs) == 2
    assert "Top 10 for u04" in specs[0] and "rank" in specs[1].lower()


def test_columns_empty_in_every_row_are_not_shown() -> None:
    """Regression: on the UCI workbook (no categories, no brands) the history and the list
    showed columns of "None" cells."""
    import pandas as pd

    from seqrec_core.ui.recommend_views import filled_columns

    frame = pd.DataFrame({"item": ["A", "B"], "category": [None, None], "price": [None, 2.5]})
    assert filled_columns(frame, ["item", "category", "price"]) == ["item", "price"]
    assert filled_columns(frame.iloc[:0], ["item", "category"]) == ["item", "category"]


def test_the_list_and_history_hide_nothing_that_has_values(app: AppTest) -> None:
    app.button(key="whatif_up").click().run()
    (listed, history) = [
        d for d in app.dataframe if "because" in d.value.columns or "edited" in d.value.columns
    ][:2]
    assert list(listed.proto.column_order) == list(recommend_views.LIST_COLUMNS)
    assert "category" in history.proto.column_order  # the chain shop has categories


def test_the_rank_diff_says_dash_where_a_rank_does_not_exist() -> None:
    """Regression: a new product's "rank before" showed Streamlit's grey "None"."""
    from seqrec_core.recommend.whatif import RankChange
    from seqrec_core.ui.whatif_views import diff_table

    changes = [
        RankChange("A", "new", None, 1, None, 2.5),
        RankChange("B", "up", 3, 2, 1.0, 1.25),
        RankChange("C", "dropped", 2, None, 1.5, None),
    ]
    shown = diff_table(changes, str.lower).to_html()
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", shown)]
    assert cells == [
        "a", "new", "—", "1", "—", "—",
        "b", "up", "3", "2", "1", "+0.250",
        "c", "dropped", "2", "—", "—", "—",
    ]  # fmt: skip
