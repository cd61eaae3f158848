"""`representations`, `lookalike` and `segments` on the command line: the JSON contract."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from seqrec_core.cli.main import _parser, main
from seqrec_core.shoppers.representations import CACHE_FILE
from seqrec_core.shoppers.segment_files import SEGMENTS_FILE, saved_segments
from seqrec_core.store import Workspace
from tests.support.tiny_shop import USERS, small_sasrec, tiny_workspace, train_run

SHOPPER_COMMANDS = ("representations", "lookalike", "segments")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str, str]:
    """The tiny shop with a small SASRec and a POP run."""
    workspace = tiny_workspace(tmp_path_factory.mktemp("cli-shoppers"))
    return workspace, small_sasrec(workspace), train_run(workspace, "pop")


def _cli(*argv: str) -> tuple[int, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())


def _run(shop: tuple[Workspace, str, str], command: str, *argv: str, run: int = 1):
    workspace = shop[0]
    return _cli(command, "--workspace", str(workspace.root), "--run", shop[run], *argv)


def test_help_lists_the_shopper_commands() -> None:
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(SHOPPER_COMMANDS) <= set(commands.choices)
    text = parser.format_help()
    assert all(name in text for name in SHOPPER_COMMANDS)
    lookalike = commands.choices["lookalike"].format_help()
    for option in ("--seed-users", "--seed-file", "--k", "--method", "--workspace", "--json"):
        assert option in lookalike


def test_representations_write_parquet(shop, tmp_path: Path) -> None:
    code, answer = _run(shop, "representations", "--out", str(tmp_path / "vectors.parquet"))
    assert code == 0, answer
    assert answer["users"] == USERS and answer["dim"] == 16
    assert answer["model"] == "sasrec" and answer["run"] == shop[1]
    path = Path(answer["path"])
    assert path == (tmp_path / "vectors.parquet").resolve() and path.is_file()
    table = pq.read_table(path)
    assert table.num_rows == USERS and table.column_names[:2] == ["user_id", "vector"]
    assert {len(v) for v in table.column("vector").to_pylist()} == {16}
    assert (shop[0].root / "runs" / shop[1] / CACHE_FILE).is_file()  # cached for next time


def test_representations_write_csv(shop, tmp_path: Path) -> None:
    code, answer = _run(shop, "representations", "--out", str(tmp_path / "sub" / "vectors.csv"))
    assert code == 0, answer
    frame = pd.read_csv(answer["path"])
    assert len(frame) == answer["users"] == USERS
    assert list(frame.columns) == [
        "user_id", *(f"e{i}" for i in range(16)), "run_id", "model", "representation"
    ]  # fmt: skip
    assert frame["user_id"].tolist() == [f"u{u:02d}" for u in range(USERS)]


def test_representations_export_either_kind(shop, tmp_path: Path) -> None:
    from seqrec_core.cli import shoppers as cli_shoppers
    from seqrec_core.shoppers import lookalike, representations

    assert cli_shoppers._METHODS == lookalike.METHODS  # the CLI's copies, kept without torch
    assert cli_shoppers._KINDS == representations.KINDS
    out = tmp_path / "history.parquet"
    code, answer = _run(shop, "representations", "--out", str(out), "--representation", "history")
    assert code == 0 and answer["representation"] == "history", answer
    assert set(pq.read_table(out).column("representation").to_pylist()) == {"history"}


def test_representations_refuse_another_file_type(shop, tmp_path: Path) -> None:
    code, answer = _run(shop, "representations", "--out", str(tmp_path / "vectors.xlsx"))
    assert (
        code == 1
        and "vectors.xlsx: write shopper vectors to a .parquet or a .csv" in (answer["error"])
    )


def test_lookalike_answers_ranked_shoppers_without_the_seeds(shop) -> None:
    code, answer = _run(shop, "lookalike", "--seed-users", "u01,u02,ghost,u01", "--k", "6")
    assert code == 0, answer
    users = answer["users"]
    assert [u["rank"] for u in users] == [1, 2, 3, 4, 5, 6]
    for user in users:
        assert {"user_id", "score", "rank", "closest_seeds"} <= set(user)
        assert 0 <= user["score"] <= 1 and set(user["closest_seeds"].split(", ")) <= {"u01", "u02"}
    assert not {"u01", "u02"} & {u["user_id"] for u in users}
    assert [u["score"] for u in users] == sorted((u["score"] for u in users), reverse=True)
    assert answer["unknown_seeds"] == ["ghost"] and answer["seeds_used"] == 2
    assert answer["repeated_seeds"] == 1 and answer["method"] == "classifier"
    assert answer["representation"] == "history"
    assert "2 seed shoppers used" in answer["notes"][0] and "ghost" in answer["notes"][0]


def test_lookalike_reads_a_seed_file_with_the_pasted_ids(shop, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("segment;user_id\n4;u03\n4;u04\n4;nobody\n", encoding="utf-8")
    argv = ("--seed-file", str(seeds), "--seed-users", "u04", "--k", "4", "--method", "centroid")
    code, answer = _run(shop, "lookalike", *argv)
    assert code == 0, answer
    assert answer["seeds_used"] == 2 and answer["repeated_seeds"] == 1
    assert answer["unknown_seeds"] == ["nobody"] and answer["method"] == "centroid"
    assert len(answer["users"]) == 4 and not {"u03", "u04"} & {
        u["user_id"] for u in answer["users"]
    }
    code, answer = _run(shop, "lookalike", "--seed-file", str(seeds), "--k", "3")
    assert code == 0 and answer["seeds_used"] == 2


def test_every_shopper_as_seeds_is_an_empty_answer_with_a_note(shop) -> None:
    everyone = ",".join(f"u{u:02d}" for u in range(USERS))
    code, answer = _run(shop, "lookalike", "--seed-users", everyone)
    assert code == 0 and answer["users"] == []
    assert any("nobody is left" in note for note in answer["notes"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "no seed shoppers given: pass --seed-users"),
        (("--seed-users", "ghost,nobody"), "none of the seed ids is a shopper of this run"),
        (("--seed-users", "u01", "--k", "0"), "audience size = 0"),
        (("--seed-file", "/no/such/seeds.csv"), "no such file"),
    ],
)
def test_lookalike_errors_are_json(shop, argv: tuple[str, ...], message: str) -> None:
    code, answer = _run(shop, "lookalike", *argv)
    assert code == 1 and set(answer) == {"error"} and message in answer["error"]


@pytest.mark.parametrize(
    "argv",
    [
        ("representations", "--out", "never.parquet"),
        ("lookalike", "--seed-users", "u01"),
        ("segments", "--k", "2"),
    ],
)
def test_a_baseline_run_is_a_plain_error(shop, argv: tuple[str, ...], tmp_path: Path) -> None:
    out = tmp_path / "never.parquet"
    code, answer = _run(shop, *(str(out) if a == "never.parquet" else a for a in argv), run=2)
    assert code == 1 and set(answer) == {"error"}
    assert "baseline" in answer["error"] and "POP" in answer["error"]
    assert "Traceback" not in answer["error"]
    assert not out.exists()


def test_segments_with_a_fixed_k_are_answered_and_saved(shop) -> None:
    code, answer = _run(shop, "segments", "--k", "2")
    assert code == 0, answer
    assert answer["k"] == 2 and answer["automatic"] is False and answer["silhouette"] == {}
    segments = answer["segments"]
    assert [s["segment"] for s in segments] == [1, 2]
    assert sum(s["size"] for s in segments) == USERS
    assert segments[0]["size"] >= segments[1]["size"]
    for segment in segments:
        assert {"segment", "size", "top_categories", "top_brands", "description"} <= set(segment)
        assert set(segment["top_categories"]) <= {"Home", "Garden"}
    folder = shop[0].root / "runs" / shop[1]
    assert Path(answer["saved"]) == folder / SEGMENTS_FILE
    saved = saved_segments(folder)
    assert {s: len(users) for s, users in saved.items()} == {
        s["segment"]: s["size"] for s in segments
    }


def test_segments_choose_k_by_silhouette(shop) -> None:
    code, answer = _run(shop, "segments")
    assert code == 0, answer
    assert answer["automatic"] is True and answer["silhouette"]
    assert str(answer["k"]) in answer["silhouette"]
    assert answer["silhouette"][str(answer["k"])] == max(answer["silhouette"].values())
    assert sum(s["size"] for s in answer["segments"]) == USERS


def test_segments_with_k_out_of_range_is_a_json_error(shop) -> None:
    code, answer = _run(shop, "segments", "--k", "1")
    assert code == 1 and "segments = 1: choose 2 to" in answer["error"]
