"""The Train page through AppTest: start real worker runs, watch, cancel, compare, deep-link,
and the sentences and help that say what the runs found."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Metric

from seqrec_core.ingest.pipeline import ingest
from seqrec_core.report.numbers import percent, times
from seqrec_core.runs import registry, verdict, worker
from seqrec_core.runs.verdict import METRIC_HELP
from seqrec_core.store import Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.training.popular_reference import popular_list_metrics
from tests.support.helpers import markdown_text, open_page, wait_until

PAGE = "pages/train.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


def _ring_shop(root: Path, monkeypatch: pytest.MonkeyPatch, name: str, items: int) -> Workspace:
    """A workspace with one learnable dataset `name`: 29 shoppers walk a ring of `items`
    products (item i → item i + 1), 8 events each."""
    rows = [
        (f"u{u:02d}", f"i{(u * 3 + s) % items + 1:02d}", f"2026-02-01T10:{s:02d}:00Z")
        for u in range(29)
        for s in range(8)
    ]
    csv = root / f"{name}.csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(csv, index=False)
    ws = Workspace.open(root / "ws")
    ingest(csv, ws, name)
    monkeypatch.setenv("SEQREC_WORKSPACE", str(ws.root))
    return ws


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace with one tiny learnable dataset, `ring` (item i → item i + 1)."""
    return _ring_shop(tmp_path, monkeypatch, "ring", 17)


@pytest.fixture
def wide_ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """`ring` over 41 products, so that a top 10 can miss (on 17 every list finds all)."""
    return _ring_shop(tmp_path, monkeypatch, "ring", 41)


def test_page_shows_the_device_and_an_empty_history(ring: Workspace) -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Train"
    assert "**Device:** CPU" in markdown_text(at)
    assert any("No runs yet" in str(i.value) for i in at.info)
    assert at.session_state["dataset"] == "ring"


def test_start_a_baseline_from_the_form_and_see_it_in_the_history(ring: Workspace) -> None:
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("cooc").run()
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    (info,) = registry.list_runs(ring, "ring")
    assert info.model == "cooc" and at.session_state["run"] == info.run_id
    wait_until(lambda: not registry.get_run(ring, info.run_id).active)
    at.run()
    table = at.dataframe[0].value
    row = table[table["run"] == info.run_id].iloc[0]
    assert row["status"] == "succeeded" and row["HR@10"] == pytest.approx(1.0)
    assert at.query_params["run"] == info.run_id  # the run is in the URL


def test_running_job_shows_progress_and_cancel_stops_it(ring: Workspace) -> None:
    info = worker.launch_run(
        ring,
        "ring",
        "sasrec",
        model_settings={"hidden_size": 16, "max_len": 8},
        train_settings={"epochs": 5000, "patience": 5000, "log_every": 1},
    )
    wait_until(lambda: any(e["kind"] == "epoch" for e in registry.read_progress(info.folder)))
    at = open_page(PAGE)  # a new session (another tab) finds the running job
    (bar,) = at.get("progress")
    assert "epoch" in bar.proto.text and "best validation NDCG@10" in bar.proto.text
    cancel = next(b for b in at.button if b.key == f"cancel_{info.run_id}")
    cancel.click().run()
    assert not at.exception, at.exception
    wait_until(lambda: registry.get_run(ring, info.run_id).status == registry.CANCELLED)


def test_a_link_with_a_run_opens_that_run(ring: Workspace) -> None:
    first = worker.launch_run(ring, "ring", "pop")
    second = worker.launch_run(ring, "ring", "cooc")
    for info in (first, second):
        wait_until(lambda info=info: not registry.get_run(ring, info.run_id).active)
    at = open_page(PAGE, {"run": first.run_id})
    assert at.selectbox(key="run").value == first.run_id
    at.selectbox(key="run").set_value(second.run_id).run()
    assert at.query_params["run"] == second.run_id


def test_run_details_open_on_the_best_run_not_the_newest(ring: Workspace) -> None:
    better = worker.launch_run(ring, "ring", "cooc")  # the ring's next item follows its last
    wait_until(lambda: not registry.get_run(ring, better.run_id).active)
    newer = worker.launch_run(ring, "ring", "pop")
    wait_until(lambda: not registry.get_run(ring, newer.run_id).active)
    assert verdict.best_finished_run(registry.list_runs(ring, "ring")).run_id == better.run_id
    at = open_page(PAGE)
    picker = at.selectbox(key="run")
    assert picker.value == better.run_id  # as the opening sentence and the other pages
    assert picker.options == [newer.run_id, f"{better.run_id} · best"]


def test_a_transformer_from_the_form_trains_on_a_log_without_types_or_catalog(
    ring: Workspace,
) -> None:
    """Regression: the form's "use event types / catalog features" defaults asked for
    inputs this log does not have, and the worker failed with a ConfigError."""
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("sasrec").run()
    at.number_input(key="train_epochs").set_value(1)
    at.select_slider(key="train_hidden").set_value(16)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    (info,) = registry.list_runs(ring, "ring")
    wait_until(lambda: not registry.get_run(ring, info.run_id).active)
    done = registry.get_run(ring, info.run_id)
    assert done.status == registry.SUCCEEDED, done.error
    assert done.result["epochs"] == 1
    # The run recorded the most-popular list on its own test shoppers, as a POP run scores it.
    assert done.result["popular_test_metrics"] == popular_list_metrics(ring, "ring")


def _finished(ws: Workspace, info: registry.RunInfo) -> registry.RunInfo:
    wait_until(lambda: not registry.get_run(ws, info.run_id).active)
    done = registry.get_run(ws, info.run_id)
    assert done.status == registry.SUCCEEDED, done.error
    return done


def test_the_form_sends_item_text_and_cold_items_in_the_request(ring: Workspace) -> None:
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("sasrec").run()
    item_text = at.radio(key="train_item_text")
    assert item_text.options == ["Language model", "Item ids only"]  # nothing uploaded yet
    assert "new products can be recommended too" in item_text.help
    item_text.set_value("off").run()
    captions = [c.value for c in at.caption]
    assert "the catalog (17 products) is small enough." in " ".join(captions)
    at.radio(key="train_loss").set_value("sampled_softmax").run()
    assert "with 256 products drawn at random" in " ".join(c.value for c in at.caption)
    at.number_input(key="train_epochs").set_value(1)
    at.select_slider(key="train_hidden").set_value(16)
    at.slider(key="train_cold_items").set_value(12)
    at.button[0].click().run()
    assert not at.exception, at.exception
    (info,) = registry.list_runs(ring, "ring")
    assert info.request["item_text"] == "off"
    assert info.request["cold_items"] == pytest.approx(0.12)
    assert info.request["model_settings"]["loss"] == "sampled_softmax"
    done = _finished(ring, info)
    assert done.result["cold_items"]["items"] == 2  # 12% of 17 items
    assert done.result["training_loss"]["loss"] == "sampled_softmax"
    assert not done.result["training_loss"]["automatic"]
    validation = done.result["validation"]  # shoppers whose target is a held-out product drop
    assert validation["shoppers"] == validation["of"] == 25
    assert done.result["examples_per_s"] > 0
    at.run()
    text = markdown_text(at)
    assert "Item ids only: item text was switched off." in text
    assert "2 products (12%) were held out of training to measure new products." in text
    line = next(c.value for c in at.caption if "Early stopping watched" in c.value)
    assert "drawn at random at every step (a sampled softmax): the sampled comparison was" in line
    assert "Early stopping watched all 25 validation shoppers." in line
    assert "The test ranked all 29 test shoppers." in line


def test_the_mixed_sample_is_offered_and_explained(ring: Workspace) -> None:
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("gru4rec").run()
    loss = at.radio(key="train_loss")
    assert loss.options == [
        "Choose for me",
        "Every product",
        "256 random products",
        "256 products, half of them others' picks",
    ]
    assert "bestsellers as often as they sell" in loss.help
    loss.set_value("mixed_softmax").run()
    captions = " ".join(c.value for c in at.caption)
    assert "half of them among what other shoppers picked next" in captions
    assert "(a mixed sampled softmax): the sampled comparison was chosen." in captions
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    (info,) = registry.list_runs(ring, "ring")
    assert info.request["model_settings"]["loss"] == "mixed_softmax"
    assert _finished(ring, info).result["training_loss"]["loss"] == "mixed_softmax"


def test_baselines_ask_for_no_item_text(ring: Workspace) -> None:
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("pop").run()
    assert not [r for r in at.radio if r.key == "train_item_text"]
    at.button[0].click().run()
    (info,) = registry.list_runs(ring, "ring")
    assert (info.request["item_text"], info.request["cold_items"]) == ("off", 0.0)
    _finished(ring, info)


def test_own_embeddings_uploaded_on_the_data_page_can_be_chosen(ring: Workspace) -> None:
    items = embedding_uploads.dataset_items(ring, "ring")
    rows = "".join(f'{item},"[{n % 3}, {n % 5}, 1.5]"\n' for n, item in enumerate(items))
    upload = embedding_uploads.add_upload(
        ring, f"item_id,vector\n{rows}".encode(), "ring vectors.csv", items
    ).upload
    at = open_page(PAGE)
    at.radio(key="train_model").set_value("gru4rec").run()
    at.radio(key="train_item_text").set_value("own").run()
    assert at.selectbox(key="train_embeddings").value == str(upload.path)
    at.number_input(key="train_epochs").set_value(1)
    at.button[0].click().run()
    assert not at.exception, at.exception
    (info,) = registry.list_runs(ring, "ring")
    assert info.request["item_text"] == str(upload.path)
    done = _finished(ring, info)
    assert done.result["item_text"]["used"], done.result["item_text"]
    at.run()
    assert "Used your own item embeddings from ring vectors.csv (17 products)." in markdown_text(at)


def test_run_details_show_item_text_and_results_for_new_products(ring: Workspace) -> None:
    info = registry.create_run(ring, "ring", "sasrec", worker.make_request("sasrec"))
    by_count = {
        "0": {"HR@10": 0.125, "NDCG@10": 0.06, "examples": 1057.0},
        "5-19": {"HR@10": 0.5, "NDCG@10": 0.3, "examples": 40.0},
    }
    result = {
        "epochs": 3,
        "test_metrics": {"HR@10": 0.4, "NDCG@10": 0.2},
        "item_text": {"used": True, "source": "all-MiniLM-L6-v2", "items_with_text": 1194},
        "cold_items": {"fraction": 0.1, "items": 119},
        "test_by_target_count": by_count,
        "validation": {"shoppers": 10_000, "of": 1_498_068},
        "test_sample": {"shoppers": 20_000, "of": 1_498_068, "NDCG@10 ±": 0.0031},
        "examples_per_s": 2412.7,
    }
    registry.record_state(ring, info.run_id, registry.SUCCEEDED, result=result)
    at = open_page(PAGE, {"run": info.run_id})
    assert not at.exception, at.exception
    line = next(c.value for c in at.caption if "Early stopping" in c.value)
    assert line == (
        "Early stopping watched a fixed random sample of 10,000 of the 1,498,068 validation "
        "shoppers. The test ranked a fixed random sample of 20,000 "
        "of the 1,498,068 test shoppers (NDCG@10 0.2000 ± 0.0031, 95%). It trained on 2,413 "
        "shoppers' sequences a second."
    )
    text = markdown_text(at)
    assert (
        "Read item text with all-MiniLM-L6-v2 (1,194 products). 119 products (10%) were "
        "held out of training to measure new products."
    ) in text
    assert (
        "On **new products (never seen in training)** it finds the next product in its top "
        "10 for **12%** of 1,057 test shoppers."
    ) in text
    table = next(d.value for d in at.dataframe if "seen in training" in d.value)
    assert table["seen in training"].tolist() == [
        "new products (never seen in training)",
        "5–19 times",
    ]
    specs = "\n".join(c.proto.spec for c in at.get("plotly_chart"))
    assert "Times the next product was seen in training" in specs


def _metrics(at: AppTest) -> dict[str, Metric]:
    return {m.label: m for m in at.metric}


def test_the_page_opens_with_the_best_run_against_the_pop_run(wide_ring: Workspace) -> None:
    pop = _finished(wide_ring, worker.launch_run(wide_ring, "ring", "pop"))
    cooc = _finished(wide_ring, worker.launch_run(wide_ring, "ring", "cooc"))
    at = open_page(PAGE, {"run": pop.run_id})
    pop_hr, cooc_hr = (r.result["test_metrics"]["HR@10"] for r in (pop, cooc))
    assert 0 < 1.1 * pop_hr < cooc_hr  # the chain is learnable: COOC beats the list
    assert at.markdown[0].value == (
        f"**COOC finds the next product in its top 10 for {percent(cooc_hr)} of 29 test "
        f"shoppers, {times(cooc_hr / pop_hr)} more often than the most-popular list "
        f"({percent(pop_hr)}).**"
    )
    assert f"by validation NDCG@10: {cooc.run_id}" in at.caption[0].value
    # POP's own details: the floor, and no training curve or epochs to show.
    text = markdown_text(at)
    assert "POP, the most-popular list, finds the next product" in text
    captions = "\n".join(c.value for c in at.caption)
    assert "POP is a baseline" in captions and "no training curve and no epochs" in captions
    assert "Epochs (best)" not in _metrics(at) and _metrics(at)["Epochs"].value == "none"
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("run_curves")]
    table = at.dataframe[0].value
    assert table.set_index("run").loc[pop.run_id, ["epochs", "best epoch"]].isna().all()


def test_without_a_pop_run_the_verdict_scores_the_most_popular_list(
    wide_ring: Workspace,
) -> None:
    ring = wide_ring
    info = registry.create_run(ring, "ring", "sasrec", worker.make_request("sasrec"))
    result = {
        "epochs": 3,
        "best_epoch": 1,
        "metrics": {"NDCG@10": 0.41},
        "test_metrics": {"HR@10": 0.5, "NDCG@10": 0.45, "MRR": 0.4, "coverage@10": 0.8235},
        "test_by_history_length": {"5-9": {"examples": 29.0}},
    }
    registry.record_state(ring, info.run_id, registry.SUCCEEDED, result=result)
    at = open_page(PAGE)
    # The list as a POP run would score it: 6 of the 29 test shoppers (21%), 0.5 / (6/29) = 2.4.
    assert popular_list_metrics(ring, "ring")["HR@10"] == pytest.approx(6 / 29)
    assert at.markdown[0].value == (
        "**SASRec finds the next product in its top 10 for 50% of 29 test shoppers, "
        "2.4× more often than the most-popular list (21%).**"
    )
    tiles = _metrics(at)
    assert tiles["Test HR@10"].value == "50%" and tiles["Catalog coverage@10"].value == "82%"
    assert tiles["Epochs (best)"].value == "3 (2)" and tiles["Test NDCG@10"].value == "0.45"
    assert "Hit rate" in tiles["Test HR@10"].help
    assert "test score above the best validation score is common" in (
        tiles["Best valid NDCG@10"].help
    )


def test_the_verdict_reads_the_most_popular_list_a_run_recorded(
    wide_ring: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finished run records the list on its own test shoppers, so opening the page never
    prepares the dataset again (minutes on a 10M-event shop)."""
    info = registry.create_run(wide_ring, "ring", "sasrec", worker.make_request("sasrec"))
    result = {
        "epochs": 3,
        "metrics": {"NDCG@10": 0.41},
        "test_metrics": {"HR@10": 0.5, "NDCG@10": 0.45},
        "test_by_history_length": {"5-9": {"examples": 29.0}},
        "popular_test_metrics": {"HR@10": 0.125},
    }
    registry.record_state(wide_ring, info.run_id, registry.SUCCEEDED, result=result)
    monkeypatch.setattr(
        "seqrec_core.ui.train_runs_views._popular_hit_rate",
        lambda *args: pytest.fail("the page prepared the dataset again"),
    )
    at = open_page(PAGE)
    assert not at.exception, at.exception
    assert "4× more often than the most-popular list (12%)" in at.markdown[0].value


def test_the_table_explains_every_metric_and_shows_shares_as_percentages(
    ring: Workspace,
) -> None:
    info = registry.create_run(ring, "ring", "cooc", worker.make_request("cooc"))
    registry.record_state(ring, info.run_id, registry.FAILED, error="out of memory")
    at = open_page(PAGE)
    assert "No finished model for ring yet" in at.markdown[0].value
    columns = json.loads(at.dataframe[0].proto.columns)
    for metric in ("HR@10", "NDCG@10", "MRR", "coverage@10", "popularity@10"):
        assert columns[metric]["help"] == METRIC_HELP[metric]
    assert columns["valid NDCG@10"]["help"].startswith(METRIC_HELP["valid NDCG@10"])
    assert "different held-out events" in columns["valid NDCG@10"]["help"]
    assert columns["coverage@10"]["type_config"]["format"] == "percent"
    assert columns["HR@10"]["type_config"]["format"] == "percent"
    assert {columns[c]["width"] for c in ("run", "device", "error")} == {"medium", "large"}
    shown = at.dataframe[0].proto.column_order
    assert "progress" not in shown and "label" not in shown  # no run is active


def test_the_table_and_the_live_panel_agree_on_a_running_run(ring: Workspace) -> None:
    """Regression: "Runs of this dataset" said `queued` / "No progress yet" for a run the
    live panel showed at epoch 6. Here the registry row still says queued while the
    worker's status file says running at epoch 2 (the test process stands in for the
    worker, so the run stays alive and its progress fixed)."""
    info = registry.create_run(
        ring, "ring", "sasrec", worker.make_request("sasrec", train_settings={"epochs": 8})
    )
    registry.write_status(info.folder, registry.RUNNING, pid=os.getpid(), device="CPU")
    for epoch in range(2):
        event = {"kind": "epoch", "epoch": epoch, "step": 10 * (epoch + 1), "loss": 7.5}
        metrics = {"NDCG@10": 0.1 + epoch / 10, "HR@10": 0.2}
        registry.append_progress(info.folder, {**event, "elapsed_s": 3.0, "metrics": metrics})
    at = open_page(PAGE)
    (bar,) = at.get("progress")
    assert "epoch 2" in bar.proto.text and "best validation NDCG@10 0.2000" in bar.proto.text
    (row,) = at.dataframe[0].value.to_dict("records")
    assert (row["status"], row["epochs"], row["progress"]) == ("running", 2, 0.25)
    assert "progress" in at.dataframe[0].proto.column_order
    assert row["valid NDCG@10"] == pytest.approx(0.2)
    tiles = _metrics(at)
    assert tiles["Status"].value == "running" and tiles["Epochs (best)"].value == "2 (—)"
    curves = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("run_curves"))
    assert "No progress yet" not in curves.proto.spec
