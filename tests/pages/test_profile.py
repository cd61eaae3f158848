"""The Profile page through AppTest (opened from app.py): picker, URL, cards, charts, ego graph.

The sample shop is ingested once per module into a shared workspace, plus a tiny log
without a catalog (`bare`) for the "what is missing" path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.store import Workspace
from tests.support import helpers

PAGE = "pages/profile.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page-profile")
    ws = Workspace.open(folder / "workspace")
    ensure_sample(ws)
    rows = [
        (f"v{u}", f"x{(u + s) % 5}", f"2026-02-0{1 + s}T1{u}:00:00Z")
        for u in range(3)
        for s in range(4)
    ]
    csv = folder / "bare.csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(csv, index=False)
    ingest(csv, ws, "bare")
    return ws.root


@pytest.fixture
def open_page(sample_workspace: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEQREC_WORKSPACE", str(sample_workspace))

    def _open(query: dict[str, str] | None = None) -> AppTest:
        return helpers.open_page(PAGE, query or {"dataset": "sample-shop"})

    return _open


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_user_is_the_most_active_and_the_page_shows_everything(open_page) -> None:
    at = open_page()
    assert at.title[0].value == "Profile"
    picker = at.selectbox(key="user")
    assert picker.value == "U00858"  # most events in the sample shop
    assert at.query_params["user"] == "U00858"
    metrics = _metrics(at)
    assert {"Events", "Active", "Top category", "Top brand", "Price band", "Diversity"} <= set(
        metrics
    )
    assert metrics["Events"] == "129"
    assert len(at.get("plotly_chart")) >= 8  # 2 category tabs, brand, funnel, price, 2 rhythm, ego
    (interests,) = [m.value for m in at.markdown if m.value.startswith("1. **")]
    assert interests.count(" · score ") == 8 and interests.count("   They ") == 8
    links = at.get("page_link")
    recommend = next(link for link in links if link.proto.label.startswith("What this shopper"))
    assert recommend.proto.page.endswith("recommend")
    assert "user=U00858" in recommend.proto.query_string
    assert not at.error


def test_a_link_with_a_user_opens_that_user_and_the_choice_goes_to_the_url(open_page) -> None:
    at = open_page({"dataset": "sample-shop", "user": "U00017"})
    assert at.selectbox(key="user").value == "U00017"  # not among the most active, still opened
    assert at.header[0].value == "Shopper U00017"
    assert _metrics(at)["Events"] == "7"
    at.selectbox(key="user").set_value("U00858").run()
    assert not at.exception, at.exception
    assert at.query_params["user"] == "U00858"


def test_the_page_says_what_it_found_and_lists_the_shoppers_searches(open_page) -> None:
    at = open_page({"dataset": "sample-shop", "user": "U00017"})
    (lead,) = [m.value for m in at.markdown if m.value.startswith("U00017 shops mostly")]
    assert "Outdoor" in lead and "searched 3 times" in lead
    ((frame, table),) = [(d, d.value) for d in at.dataframe if "Query" in d.value.columns]
    assert len(table) == 3  # the sample shop's planted searches of U00017
    # Every column has its width (sized to content, "Carted" and "Bought" fell off the page).
    columns = json.loads(frame.proto.columns)
    widths = {name: c.get("width") for name, c in columns.items() if name != "_index"}
    assert set(widths) == set(table.columns) and all(isinstance(w, int) for w in widths.values())
    assert table["Query"].iloc[0] in lead  # newest first
    assert table["Viewed"].str.len().gt(0).all()
    assert any("3 searches" in c.value for c in at.caption)


def test_a_stale_user_in_the_link_falls_back_to_the_default(open_page) -> None:
    at = open_page({"dataset": "sample-shop", "user": "nobody"})
    assert at.selectbox(key="user").value == "U00858"
    assert not at.error


def test_search_narrows_the_picker(open_page) -> None:
    at = open_page()
    at.text_input(key="shopper_search").set_value("U0001").run()
    picker = at.selectbox(key="user")
    assert picker.options and all("U0001" in option for option in picker.options)
    assert picker.value.startswith("U0001") and at.query_params["user"] == picker.value
    at.text_input(key="shopper_search").set_value("zzz").run()
    assert any("No user id contains" in w.value for w in at.warning)


def test_the_ego_graph_slider_bounds_the_nodes(open_page) -> None:
    at = open_page()
    at.slider(key="profile_ego_size").set_value(10).run()
    assert not at.exception, at.exception
    ego = at.get("plotly_chart")[-1].proto.spec
    assert "Neighbourhood of U00858" in ego
    assert ego.count('"mode":"markers') >= 2  # node traces by type


def test_a_dataset_without_catalog_says_what_is_missing(open_page) -> None:
    at = open_page({"dataset": "bare"})
    assert not at.exception, at.exception
    assert at.session_state["dataset"] == "bare"
    assert any("no category, brand, price, attributes" in i.value for i in at.info)
    assert any("This log has no search queries" in c.value for c in at.caption)
    # No empty category and brand charts: the notice says why (a real orders export looked
    # like a broken page with them); the other five charts stay.
    assert len(at.get("plotly_chart")) == len(open_page().get("plotly_chart")) - 3
    assert at.selectbox(key="user").value in {"v0", "v1", "v2"}
    assert not at.error


def test_the_page_never_builds_the_whole_shops_graph(
    open_page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a 10M-event shop the whole graph took minutes and 8 GB: the page reads one
    shopper's graph from the shop's aggregates instead."""
    from seqrec_core.kg import graph
    from seqrec_core.ui import profile_views

    def refuse(*_args, **_kwargs):
        raise AssertionError("the Profile page built the whole shop's graph")

    monkeypatch.setattr(graph, "build_graph", refuse)
    assert not hasattr(profile_views, "build_graph")
    at = open_page({"dataset": "sample-shop", "user": "U00017"})
    assert not at.exception and not at.error
    assert at.header[0].value == "Shopper U00017"
    assert any(m.value.startswith("1. **") for m in at.markdown)  # the inferred interests
