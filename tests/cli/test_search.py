"""`search` and `evaluate --search` on the command line: the JSON contract, what-ifs, errors."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.cli.main import main
from seqrec_core.recommend.whatif import parse_history
from seqrec_core.runs.trained_run import load_run
from seqrec_core.search.engine import SearchEngine
from seqrec_core.store import Workspace
from tests.support.tiny_shop import small_sasrec, tiny_workspace

REPO = Path(__file__).resolve().parents[2]
HIT_KEYS = {"item_id", "rank", "score", "text_score", "model_score", "move", "reason", "new"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    workspace = tiny_workspace(tmp_path_factory.mktemp("cli-search"))
    return workspace, small_sasrec(workspace)


def _cli(*argv: str) -> tuple[int, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())


def _search(shop: tuple[Workspace, str], *argv: str) -> tuple[int, dict]:
    workspace, run = shop
    return _cli("search", "--workspace", str(workspace.root), "--run", run, *argv)


def test_the_answer_keeps_the_contract(shop: tuple[Workspace, str]) -> None:
    code, answer = _search(shop, "--user", "u04", "--query", "gadget pro", "--k", "4")
    assert code == 0, answer
    assert {
        "query",
        "user",
        "personalization",
        "items",
        "everyone",
        "did_you_mean",
        "notes",
    } <= set(answer)
    assert answer["query"] == "gadget pro" and answer["user"] == "u04"
    assert answer["personalization"] == 0.5 and answer["history_source"] == "stored"
    assert len(answer["items"]) == len(answer["everyone"]) == 4
    for hit in answer["items"]:
        assert HIT_KEYS <= set(hit) and {"title", "category", "brand"} <= set(hit)
    assert [h["rank"] for h in answer["items"]] == [1, 2, 3, 4]


def test_history_replaces_the_stored_one_as_the_engine_does(shop: tuple[Workspace, str]) -> None:
    workspace, run = shop
    edited = "i05,i06:cart,i02"
    code, answer = _search(
        shop, "--user", "u04", "--query", "gadget", "--history", edited, "--personalization", "0.7"
    )
    assert code == 0 and answer["history_source"] == "argument"
    engine = SearchEngine.from_run(workspace, load_run(workspace, run))
    expected = engine.search("gadget", parse_history(edited), personalization=0.7, user="u04")
    assert answer["items"] == json.loads(json.dumps([h.to_dict() for h in expected.items]))
    stored = engine.search("gadget", None, personalization=0.7, user="u04")
    assert [h.item_id for h in stored.items] != [h["item_id"] for h in answer["items"]]


def test_an_unknown_shopper_gets_the_labelled_list_everyone_sees(
    shop: tuple[Workspace, str],
) -> None:
    code, answer = _search(shop, "--user", "stranger", "--query", "garden tools")
    assert code == 0 and answer["fallback"] == "not_personalised"
    assert answer["known_user"] is False and answer["items"] == answer["everyone"]


def test_exclude_seen_leaves_the_history_out(shop: tuple[Workspace, str]) -> None:
    history = "i01,i02,i03"
    _, kept = _search(shop, "--user", "x", "--query", "gadget", "--history", history, "--k", "17")
    _, left = _search(
        shop,
        "--user",
        "x",
        "--query",
        "gadget",
        "--history",
        history,
        "--k",
        "17",
        "--exclude-seen",
    )
    assert {"i01", "i02", "i03"} <= {h["item_id"] for h in kept["items"]}
    assert not {"i01", "i02", "i03"} & {h["item_id"] for h in left["items"]}


@pytest.mark.parametrize("query", ["", "the of", "'; DROP TABLE items; --", "<script>x</script>"])
def test_bad_queries_are_answers_not_errors(shop: tuple[Workspace, str], query: str) -> None:
    code, answer = _search(shop, "--user", "u01", "--query", query)
    assert code == 0 and "error" not in answer and isinstance(answer["notes"], list)


def test_bad_arguments_are_json_errors(shop: tuple[Workspace, str]) -> None:
    code, answer = _search(shop, "--user", "u01", "--query", "gadget", "--personalization", "2")
    assert code == 1 and "personalization = 2.0" in answer["error"]
    code, answer = _search(shop, "--user", "u01", "--query", "gadget", "--history", "zz9")
    assert code == 1 and "'zz9' is not in this model's catalog" in answer["error"]


def test_evaluate_search_adds_the_search_metrics(shop: tuple[Workspace, str]) -> None:
    workspace, run = shop
    code, answer = _cli("evaluate", "--workspace", str(workspace.root), "--run", run, "--search")
    assert code == 0, answer
    for key in ("run", "split", "examples", "exclude_history", "metrics", "by_history_length",
                "by_target_count"):  # fmt: skip
        assert key in answer  # the plain evaluation is all still there
    assert set(answer["search_metrics"]) == {"text", "model", "blend"}
    for metrics in answer["search_metrics"].values():
        assert set(metrics) == {"NDCG@10", "HR@10", "MRR"}
    assert 0.0 <= answer["search_weight"] <= 1.0 and answer["search_examples"] == 29
    _, plain = _cli("evaluate", "--workspace", str(workspace.root), "--run", run)
    assert "search_metrics" not in plain


def test_the_search_parser_loads_no_torch() -> None:
    script = (
        "import sys\nfrom seqrec_core.cli.main import main\n"
        "try:\n    main(['search', '--help'])\nexcept SystemExit:\n    pass\n"
        "print([m for m in ('torch', 'transformers', 'bm25s') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
