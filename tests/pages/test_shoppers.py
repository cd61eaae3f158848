"""Shoppers page through AppTest: the opening sentence, segments, a lookalike audience from
pasted ids, from a segment and from a product's buyers, a baseline-only dataset; Profile's
similar shoppers and the Recommend page's segment source."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core.cli.main import main
from seqrec_core.store import Workspace
from tests.support.chain_shop import chain_shop
from tests.support.helpers import markdown_text, open_page

PAGE = "pages/shoppers.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


def _train(ws: Workspace, model: str) -> None:
    argv = ["train", "--workspace", str(ws.root), "--dataset", "chains", "--model", model]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main([*argv, "--epochs", "3", "--device", "cpu", "--json"]) == 0


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chain shop with its COOC run, a GRU4Rec run and, newest, a POP run (43
    shoppers, 3 categories)."""
    ws, _ = chain_shop(tmp_path_factory.mktemp("page-shoppers"))
    _train(ws, "gru4rec")
    _train(ws, "pop")
    return ws.root


@pytest.fixture
def opened(shop: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEQREC_WORKSPACE", str(shop))

    def _open(page: str = PAGE, **query: str) -> AppTest:
        return open_page(page, {"dataset": "chains", **query})

    return _open


def test_the_page_opens_on_the_neural_run_with_a_plain_sentence(opened) -> None:
    at = opened()
    assert at.title[0].value == "Shoppers"
    assert at.selectbox(key="run").value.startswith("gru4rec-")  # COOC has no representation
    assert "The model sees **43 shoppers** in **" in markdown_text(at)
    assert [t.label for t in at.tabs] == ["Lookalike audience", "Map", "Segments"]


def _open_tab(at: AppTest, label: str) -> AppTest:
    """Pick tab `label` as a click would (the tabs rerun the page)."""
    at.session_state["shoppers_tab"] = label
    return at.run()


def test_only_the_open_tab_is_drawn_and_choices_outlast_a_closed_tab(opened) -> None:
    at = opened()
    assert not at.get("plotly_chart") and not at.radio(key="seed_source").disabled
    assert not [r for r in at.radio if r.key == "shoppers_colour"]  # the map is not drawn
    _open_tab(at, "Map")
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="shoppers_colour").set_value("Segment").run()
    _open_tab(at, "Segments")
    assert "**Segment 1" in markdown_text(at)
    assert not [r for r in at.radio if r.key == "shoppers_colour"]
    _open_tab(at, "Map")
    assert at.radio(key="shoppers_colour").value == "Segment"


def test_a_chosen_number_of_segments_is_described_and_saved(opened, shop: Path) -> None:
    at = _open_tab(opened(), "Segments")
    at.selectbox(key="shoppers_k").set_value(3).run()
    assert not at.exception, at.exception
    text = markdown_text(at)
    assert "in **3 groups**" in text
    assert all(f"**Segment {n}" in text for n in (1, 2, 3)) and "**Segment 4" not in text
    run_id = at.selectbox(key="run").value
    assert (shop / "runs" / run_id / "segments.parquet").is_file()


def test_pasted_ids_give_an_audience_without_the_seeds(opened) -> None:
    at = opened()
    at.number_input(key="audience_size").set_value(10).run()
    at.text_area(key="seed_text").input("u00, u03\nu06 nobody u00").run()
    assert not at.exception, at.exception
    assert "Found **10 shoppers** most like your seeds" in markdown_text(at)
    notes = " ".join(str(c.value) for c in at.caption)
    assert "3 seed shoppers used; 1 id(s) not in this run left out (nobody)" in notes
    audience = next(d.value for d in at.dataframe if "closest_seeds" in d.value.columns)
    assert len(audience) == 10 and not {"u00", "u03", "u06"} & set(audience["user_id"])
    assert list(audience["rank"]) == list(range(1, 11))


def test_a_segment_can_be_the_seeds(opened) -> None:
    at = opened()
    at.selectbox(key="shoppers_k").set_value(3).run()
    at.radio(key="seed_source").set_value("A segment").run()
    assert not at.exception, at.exception
    assert "most like your seeds" in markdown_text(at)


def test_buyers_of_a_product_can_be_the_seeds(opened) -> None:
    at = opened()
    at.radio(key="seed_source").set_value("Shoppers who bought…").run()
    assert "most like your seeds" not in markdown_text(at)  # nothing chosen yet
    at.multiselect(key="seed_products").set_value(["P03"]).run()
    assert not at.exception, at.exception
    assert "most like your seeds" in markdown_text(at)
    notes = " ".join(str(c.value) for c in at.caption)
    assert "5 seed shoppers used" in notes  # u00, u09, u18, u27, u36 buy P03


def test_only_ids_the_run_does_not_know_is_a_plain_message(opened) -> None:
    at = opened()
    at.text_area(key="seed_text").input("nobody, nothing").run()
    assert not at.exception, at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "none of the seed ids is a shopper of this run (nobody, nothing)" in errors


def test_profile_lists_shoppers_like_this_one(opened) -> None:
    at = opened("pages/profile.py", user="u04")
    assert any(h.value == "Shoppers like this one" for h in at.subheader)


def test_recommend_offers_the_saved_segments(opened) -> None:
    opened().selectbox(key="shoppers_k").set_value(3).run()
    at = opened("pages/recommend.py")
    at.session_state["recommend_tab"] = "Segment preview"
    at.run()
    assert at.radio(key="segment_source").options == [
        "Shoppers who did something",
        "A segment of the Shoppers page",
    ]


def test_a_dataset_with_only_baselines_says_what_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = chain_shop(tmp_path)
    monkeypatch.setenv("SEQREC_WORKSPACE", str(ws.root))
    at = open_page(PAGE, {"dataset": "chains"})
    infos = " ".join(str(i.value) for i in at.info)
    assert "No trained model of SASRec, BERT4Rec, GRU4Rec for this dataset yet" in infos


def test_model_pages_open_on_the_best_run_not_the_newest(opened, shop: Path) -> None:
    """Explain and Recommend opened on the newest run, even a weaker baseline trained last."""
    from seqrec_core.runs import registry

    runs = registry.list_runs(Workspace(shop), "chains")
    best = max(runs, key=lambda r: r.result["metrics"]["NDCG@10"]).run_id
    assert runs[0].model == "pop" and best != runs[0].run_id  # the newest is the weakest
    at = opened("pages/recommend.py")
    picker = at.selectbox(key="run")
    assert picker.value == best
    assert picker.format_func(best).endswith("· best")
