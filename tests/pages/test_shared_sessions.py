"""Many sessions on the Recommend page share its costs: the loaded run, the knowledge graph's
shop aggregates, a shopper's list and the registry lookups are computed once per server, keyed by ids, and
a registry write (a new run) still shows up at once.

Regression: 8 browser tabs on Recommend, each changing the shopper, had page loads of
18-30 s and shopper changes of 2-3.6 s; every rerun of every session read the registry
five times (queueing for its lock) and scored and explained the shopper's list again.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from seqrec_core.cli.main import main
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs import registry, trained_run
from seqrec_core.store import Workspace
from seqrec_core.ui import model_pickers, profile_views, whatif_views
from tests.support.chain_shop import chain_shop
from tests.support.helpers import APP, APPTEST_TIMEOUT, open_page

PAGE = "pages/recommend.py"

pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    return chain_shop(tmp_path_factory.mktemp("shared-sessions"))


@pytest.fixture
def calls(shop: tuple[Workspace, str], monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Empty caches, the shop as the default workspace, and a count of the costly calls."""
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("SEQREC_WORKSPACE", str(shop[0].root))
    counts: Counter[str] = Counter()

    def counted(name: str, function):
        def call(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(trained_run, "load_run", counted("load_run", trained_run.load_run))
    monkeypatch.setattr(registry, "list_runs", counted("list_runs", registry.list_runs))
    monkeypatch.setattr(Workspace, "get_dataset", counted("get_dataset", Workspace.get_dataset))
    listed = counted("list_datasets", Workspace.list_datasets)
    monkeypatch.setattr(Workspace, "list_datasets", listed)
    # The graph's costly, shared part: the shop's aggregates (each shopper's graph is small).
    aggregates = counted("graph", profile_views.cached_aggregates)
    monkeypatch.setattr(profile_views, "cached_aggregates", aggregates)
    monkeypatch.setattr(RunRecommender, "recommend", counted("recommend", RunRecommender.recommend))
    return counts


def _list(at: AppTest) -> list[str]:
    (table,) = [d.value for d in at.dataframe if "because" in d.value.columns]
    return list(table["item_id"])


def test_sessions_share_the_run_graph_list_and_registry_lookups(
    shop: tuple[Workspace, str], calls: Counter[str]
) -> None:
    run_id = shop[1]
    first = open_page(PAGE, {"run": run_id, "user": "u04"})
    assert calls["load_run"] == calls["list_runs"] == calls["graph"] == calls["recommend"] == 1
    assert calls["list_datasets"] == 1  # the sidebar's, once for all its reruns
    second = AppTest.from_file(str(APP), default_timeout=APPTEST_TIMEOUT)
    second.query_params.update(run=run_id, user="u04")
    second.run()  # the app opens on the Data page first
    paid = Counter(calls)
    second.switch_page(PAGE).run()
    assert not second.exception, second.exception
    assert _list(first) == _list(second) and len(_list(first)) == 10
    assert calls == paid  # the second session reads neither model, graph nor registry

    second.selectbox(key="user").set_value("u05").run()
    assert not second.exception, second.exception
    assert _list(second) != _list(first)
    assert calls - paid == Counter(recommend=1)  # only the new shopper's list is computed


def test_a_run_trained_after_the_page_opened_is_offered_at_once(
    shop: tuple[Workspace, str], calls: Counter[str], tmp_path: Path
) -> None:
    ws, run_id = shop
    before = open_page(PAGE, {"run": run_id, "user": "u04"})
    offered = before.selectbox(key="run").options
    argv = ["train", "--workspace", str(ws.root), "--dataset", "chains", "--model", "pop"]
    assert main([*argv, "--json"]) == 0
    after = open_page(PAGE, {"run": run_id, "user": "u04"})
    assert len(after.selectbox(key="run").options) == len(offered) + 1


def test_a_dataset_ingested_meanwhile_is_in_the_sidebar_at_once(
    shop: tuple[Workspace, str], calls: Counter[str], tmp_path: Path
) -> None:
    ws, run_id = shop
    before = open_page(PAGE, {"run": run_id, "user": "u04"})
    assert before.selectbox(key="dataset").options == ["chains"]
    log = tmp_path / "more.csv"
    log.write_text("user_id,item_id,timestamp\nu1,P1,2024-01-01\nu1,P2,2024-01-02\n")
    argv = ["ingest", str(log), "--workspace", str(ws.root), "--name", "more", "--json"]
    assert main(argv) == 0
    calls.clear()
    before.run()  # the same session's next rerun
    assert sorted(before.selectbox(key="dataset").options) == ["chains", "more"]
    assert calls["list_datasets"] == 1  # read again after the write, once
    before.run()
    assert calls["list_datasets"] == 1


def test_registry_stamp_changes_with_writes_not_reads(shop: tuple[Workspace, str]) -> None:
    ws, run_id = shop
    stamp = model_pickers.registry_stamp(ws)
    registry.list_runs(ws)
    ws.get_dataset("chains")
    assert model_pickers.registry_stamp(ws) == stamp
    registry.record_state(ws, run_id, registry.SUCCEEDED)
    assert model_pickers.registry_stamp(ws) != stamp


def test_shared_item_labels_are_read_only(shop: tuple[Workspace, str], calls: Counter[str]) -> None:
    labels = whatif_views.item_labels(str(shop[0].root), shop[1])
    assert labels["P11"] == "Thing 11 (P11)" and len(labels) == 27
    with pytest.raises(TypeError):
        labels["P11"] = "changed"  # type: ignore[index]
