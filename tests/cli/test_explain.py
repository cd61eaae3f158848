"""The `explain` command's contract (DESIGN.md): one JSON object, known keys, errors exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.cli import main
from seqrec_core.store import Workspace
from tests.support.tiny_shop import small_sasrec, tiny_workspace, train_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str, str]:
    workspace = tiny_workspace(Path(tmp_path_factory.mktemp("cli-explain")))
    return workspace, small_sasrec(workspace), train_run(workspace, "cooc")


def _explain(
    capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str
) -> tuple[int, dict]:
    code = main.main(["explain", "--workspace", str(workspace.root), "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)  # exactly one JSON object: json.loads rejects any extra


def test_ig_answer_has_the_contract_keys(shop, capsys) -> None:
    workspace, sasrec, _ = shop
    code, answer = _explain(capsys, workspace, "--run", sasrec, "--user", "u03", "--method", "ig")
    assert code == 0
    assert {"target_item", "positions", "convergence_delta", "top_items", "faithfulness"} <= set(
        answer
    )
    assert answer["target_item"] == answer["top_items"][0]["item_id"]
    assert answer["target_title"].startswith("Gadget")
    positions = answer["positions"]
    assert [p["index"] for p in positions] == list(range(8))
    assert [p["item_id"] for p in positions] == [f"i{k:02d}" for k in range(10, 18)]
    assert {p["event_type"] for p in positions} <= {"view", "cart"}
    assert {"index", "item_id", "event_type", "attribution", "ig_item", "ig_event_type"} <= set(
        positions[0]
    )
    assert "ig_text" in positions[0]  # the tiny shop has titles: the run reads item text
    total = sum(p["attribution"] for p in positions)
    gap = answer["target_score"] - answer["baseline_score"]
    assert total - gap == pytest.approx(answer["convergence_delta"], abs=1e-4)
    assert abs(answer["convergence_delta"]) < 1e-3 and answer["large_delta"] is False


def test_occlusion_attention_target_and_counterfactual(shop, capsys) -> None:
    workspace, sasrec, cooc = shop
    code, answer = _explain(
        capsys,
        workspace,
        "--run",
        cooc,
        "--user",
        "u03",
        "--method",
        "occlusion",
        "--counterfactual",
    )
    assert code == 0 and "convergence_delta" not in answer
    assert len(answer["positions"]) == 8 and "counterfactual" in answer
    found = answer["counterfactual"]  # None: no removal changes cooc's first item here
    assert found is None or found["new_top_item"] != answer["target_item"]
    code, answer = _explain(
        capsys,
        workspace,
        "--run",
        sasrec,
        "--user",
        "u03",
        "--method",
        "attention",
        "--target",
        "i02",
    )
    assert code == 0 and answer["target_item"] == "i02"
    weights = [p["last_layer"] for p in answer["positions"]]
    assert sum(weights) == pytest.approx(1.0, abs=1e-4)  # causal: the final row sums to 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--method", "ig"], "unknown user"),
        (["--user", "u03", "--method", "ig", "--target", "zzz"], "unknown target item"),
        (["--user", "u03"], "needs --user and --method"),
        (["--user", "u03", "--method", "ig", "--steps", "1"], "n_steps"),
    ],
)
def test_errors_are_one_json_object_and_exit_1(shop, capsys, args, message) -> None:
    workspace, sasrec, _ = shop
    code, answer = _explain(capsys, workspace, "--run", sasrec, *args)
    assert code == 1 and set(answer) == {"error"} and message in answer["error"]


def test_a_baseline_without_gradients_has_no_ig(shop, capsys) -> None:
    workspace, _, cooc = shop
    code, answer = _explain(capsys, workspace, "--run", cooc, "--user", "u03", "--method", "ig")
    assert code == 1 and "cooc does not support ig" in answer["error"]


def test_audit_summary(shop, capsys) -> None:
    workspace, sasrec, _ = shop
    code, answer = _explain(capsys, workspace, "--run", sasrec, "--audit", "5", "--steps", "16")
    assert code == 0 and answer["users"] == 5 and len(answer["per_user"]) == 5
    for method in ("ig", "occlusion", "attention"):
        stats = answer["methods"][method]
        assert 0.0 <= stats["faithful_share"] <= 1.0
        assert {"comprehensiveness@1", "comprehensiveness@3", "comprehensiveness@5"} <= set(stats)
    assert "ig~occlusion" in answer["agreement"] and "counterfactual" in answer


def test_the_module_entry_point_prints_json(shop) -> None:
    workspace, sasrec, _ = shop
    command = [sys.executable, "-m", "seqrec_core", "explain", "--workspace", str(workspace.root)]
    command += ["--run", sasrec, "--user", "u07", "--method", "occlusion", "--json"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["user"] == "u07" and len(answer["positions"]) == 8
