"""The Train page through AppTest: start real worker runs, watch, cancel, compare, deep-link."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.ingest.pipeline import ingest
from seqrec_core.runs import registry, worker
from seqrec_core.store import Workspace
from tests.support.helpers import markdown_text, open_page, wait_until

PAGE = "pages/train.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace with one tiny learnable dataset, `ring` (item i → item i + 1)."""
    rows = [
        (f"u{u:02d}", f"i{(u * 3 + s) % 17 + 1:02d}", f"2026-02-01T10:{s:02d}:00Z")
        for u in range(29)
        for s in range(8)
    ]
    csv = tmp_path / "ring.csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(csv, index=False)
    ws = Workspace.open(tmp_path / "ws")
    ingest(csv, ws, "ring")
    monkeypatch.setenv("SEQREC_WORKSPACE", str(ws.root))
    return ws


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
