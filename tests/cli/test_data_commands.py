"""The `python -m seqrec_core` contract: one JSON object on stdout, errors as JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from seqrec_core.cli.main import main

CONTRACT_KEYS = {
    "dataset",
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "rejected_by_reason",
    "column_mapping",
    "users",
    "items",
    "events_by_type",
}


def _json_run(capsys, argv: list[str]) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # exactly one JSON object
    return code, json.loads(out)


def test_ingest_json_contract(tmp_path: Path, capsys) -> None:
    src = tmp_path / "events.csv"
    src.write_text(
        "timestamp,visitorid,event,itemid,transactionid\n"
        "1433221332117,257597,view,355908,\n"
        "1433221955914,111016,transaction,318965,4000\n"
        "1433221955914,,view,318965,\n"
    )
    code, answer = _json_run(
        capsys,
        [
            "ingest",
            str(src),
            "--workspace",
            str(tmp_path / "ws"),
            "--name",
            "rr",
            "--json",
        ],
    )
    assert code == 0
    assert CONTRACT_KEYS <= set(answer)
    assert answer["dataset"] == "rr"
    assert (answer["rows_read"], answer["rows_accepted"], answer["rows_rejected"]) == (
        3,
        2,
        1,
    )
    assert answer["rejected_by_reason"] == {"missing_user_id": 1}
    assert answer["column_mapping"]["visitorid"] == "user_id"
    assert answer["events_by_type"] == {"view": 1, "purchase": 1}
    assert (answer["users"], answer["items"]) == (2, 2)


def test_ingest_map_override_and_pseudonymize(tmp_path: Path, capsys) -> None:
    src = tmp_path / "odd.csv"
    src.write_text("who,what,when\na,x,2024-01-01\nb,y,2024-01-02\n")
    argv = ["ingest", str(src), "--workspace", str(tmp_path / "ws"), "--json"]
    code, answer = _json_run(capsys, [*argv, "--name", "guessed"])
    assert code == 0  # unknown names: mapped from the content, ids in file order
    assert answer["column_mapping"] == {"who": "user_id", "what": "item_id", "when": "timestamp"}
    argv += ["--name", "swapped", "--map", "who=item_id", "--map", "what=user_id"]
    code, answer = _json_run(capsys, [*argv, "--pseudonymize"])
    assert code == 0 and answer["rows_accepted"] == 2
    assert answer["column_mapping"] == {"who": "item_id", "what": "user_id", "when": "timestamp"}
    code, answer = _json_run(capsys, [*argv[:-4], "--name", "bad", "--map", "who"])
    assert code == 1 and "COLUMN=FIELD" in answer["error"]


def test_errors_are_json_and_nonzero(tmp_path: Path, capsys) -> None:
    code, answer = _json_run(
        capsys,
        [
            "ingest",
            str(tmp_path / "missing.csv"),
            "--workspace",
            str(tmp_path),
            "--name",
            "x",
            "--json",
        ],
    )
    assert code == 1 and "missing.csv" in answer["error"]


def test_usage_error_is_json_in_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "seqrec_core", "ingest", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "error" in json.loads(done.stdout)
