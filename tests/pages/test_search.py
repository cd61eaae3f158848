"""Search page: the two lists side by side, moves and reasons, the deep link, bad queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.chain_shop import chain_shop
from tests.support.helpers import markdown_text, open_page

PAGE = "pages/search.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ws, run_id = chain_shop(tmp_path_factory.mktemp("page-search"))
    return ws.root, run_id


@pytest.fixture
def open_search(shop: tuple[Path, str], monkeypatch: pytest.MonkeyPatch):
    root, run_id = shop
    monkeypatch.setenv("SEQREC_WORKSPACE", str(root))

    def opened(**query: str) -> AppTest:
        at = open_page(PAGE, {"run": run_id, **query})
        assert not at.exception, at.exception
        return at

    return opened


def _lists(at: AppTest) -> tuple:
    lists = [d.value for d in at.dataframe if "product" in d.value.columns]
    everyone = next(v for v in lists if "move" not in v.columns)
    personal = next(v for v in lists if "move" in v.columns)
    return everyone, personal


def test_a_deep_link_opens_the_query_for_the_shopper(open_search) -> None:
    at = open_search(user="u04", q="Camping")
    assert at.title[0].value == "Search"
    assert at.selectbox(key="q").value == "Camping"
    assert at.selectbox(key="user").value == "u04"
    everyone, personal = _lists(at)
    assert len(personal) == len(everyone) == 10
    camping = {f"P{i:02d}" for i in range(1, 10)}
    assert camping <= set(everyone["item_id"])  # every product whose category matches
    assert "For “Camping”, **u04** sees 10 of the" in markdown_text(at)
    assert {"move", "why"} <= set(personal.columns)


def test_weight_zero_gives_everyone_the_same_list(open_search) -> None:
    at = open_search(user="u04", q="Camping")
    at.slider(key="search_personalization").set_value(0.0).run()
    everyone, personal = _lists(at)
    assert list(personal["item_id"]) == list(everyone["item_id"])
    assert set(personal["move"]) == {"="}
    assert "the same list as everyone" in markdown_text(at)


def test_a_query_without_matches_says_so_without_an_error(open_search) -> None:
    at = open_search(user="u04", q="zzqqxx")
    assert "No product matches “zzqqxx”" in markdown_text(at)
    assert not at.error


def test_markup_in_a_query_is_shown_as_text(open_search) -> None:
    at = open_search(user="u04", q="<script>alert(1)</script>")
    assert "“\\<script\\>alert(1)\\</script\\>”" in markdown_text(at)
    assert not at.error


def test_without_a_query_the_page_says_what_to_do(open_search) -> None:
    at = open_search(user="u04")
    assert "Type a query" in markdown_text(at)
    options = at.selectbox(key="q").options
    assert "Camping" in options and "Acme" in options  # suggestions from the catalog
