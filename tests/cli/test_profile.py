"""The `profile` command's contract: one JSON object with the documented keys, errors as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.cli.main import main
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.store import Workspace

REPO = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {"user", "categories", "brands", "inferred_interests", "funnel"}


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-profile") / "ws"
    ensure_sample(Workspace.open(root))
    return root


def _json_run(capsys, argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # exactly one JSON object
    return code, json.loads(out)


def test_profile_json_contract(sample_root: Path, capsys) -> None:
    code, answer = _json_run(
        capsys,
        [
            "profile",
            "--workspace",
            str(sample_root),
            "--dataset",
            "sample-shop",
            "--user",
            "U00017",
            "--json",
        ],
    )
    assert code == 0
    assert CONTRACT_KEYS <= set(answer)
    assert answer["user"] == "U00017" and answer["dataset"] == "sample-shop"
    assert sum(c["affinity"] for c in answer["categories"] if c["level"] == 1) == pytest.approx(1.0)
    assert {"view", "cart", "purchase"} == set(answer["funnel"]["stages"])
    assert answer["inferred_interests"] and all(i["sentence"] for i in answer["inferred_interests"])
    assert answer["missing_metadata"] == ["attributes"]
    assert answer["price_band"]["preferred"] in ("low", "mid", "high")
    # The sample shop's planted searches: what U00017 typed and reached from it.
    searches = answer["searches"]
    assert searches and all(s["query"] and s["viewed"] for s in searches)
    assert all(set(s["bought"]) <= set(s["viewed"]) for s in searches)
    times = [s["searched_at"] for s in searches]
    assert times == sorted(times)


def test_unknown_user_is_a_json_error(sample_root: Path, capsys) -> None:
    code, answer = _json_run(
        capsys,
        [
            "profile",
            "--workspace",
            str(sample_root),
            "--dataset",
            "sample-shop",
            "--user",
            "U99999",
            "--json",
        ],
    )
    assert code == 1 and set(answer) == {"error"}
    assert "U99999" in answer["error"] and "no events" in answer["error"]


def test_unknown_dataset_is_a_json_error(sample_root: Path, capsys) -> None:
    code, answer = _json_run(
        capsys,
        [
            "profile",
            "--workspace",
            str(sample_root),
            "--dataset",
            "nope",
            "--user",
            "U00017",
            "--json",
        ],
    )
    assert code == 1 and "nope" in answer["error"]


def test_the_module_entry_point_prints_only_json(sample_root: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqrec_core",
            "profile",
            "--workspace",
            str(sample_root),
            "--dataset",
            "sample-shop",
            "--user",
            "U00001",
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert CONTRACT_KEYS <= set(json.loads(done.stdout))
