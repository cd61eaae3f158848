"""Deeply nested JSON Lines: refused with file and line before any JSON parser recurses."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core.errors import InputError
from seqrec_core.ingest import bytescan, excel_parquet_jsonl
from seqrec_core.ingest.pipeline import preview_source
from seqrec_core.ingest.readers import read_table

REPO = Path(__file__).resolve().parents[2]
GOOD = '{"user_id": "u1", "item_id": "i1", "timestamp": 1700000000}\n'


def _nested(depth: int) -> str:
    return '{"user_id": "u2", "item_id": "i2", "deep": ' + "[" * depth + "]" * depth + "}\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"a": [[1]]}', None),  # depth 3
        ('{"a": [[[1]]]}', 1),  # depth 4
        ('{"a": "[[[[[[["}', None),  # brackets inside a string
        ('{"a": "\\"[[[[[[["}', None),  # an escaped quote does not end the string
        ('{"a": "\\\\", "b": [[[[1]]]]}', 1),  # an escaped backslash does not escape the quote
        ('{"a": [[1]]}\n{"b": [[1]]}\n{"c": {"d": [[{}]]}}', 3),  # depth counts per line
        ('{"a": "unterminated [[[[\n{"b": [[[[1]]]]}', 2),  # a string never spans lines
    ],
)
def test_depth_scan_counts_brackets_outside_strings(text: str, line: int | None) -> None:
    assert bytescan.first_too_deep_line(text.encode(), 3) == line


def test_depth_scan_names_the_line_after_many_pieces() -> None:
    body = (GOOD * 40_000 + _nested(70)).encode()  # over 2 MiB: the scan goes piece by piece
    assert bytescan.first_too_deep_line(body, 64) == 40_001


@pytest.mark.parametrize("depth", [65, 2_000])
def test_deep_record_is_an_input_error_naming_file_and_line(tmp_path: Path, depth: int) -> None:
    """Regression: 1,000+ levels leaked a RecursionError traceback instead of a message."""
    src = tmp_path / "deep.jsonl"
    src.write_text(GOOD + _nested(depth) + GOOD)
    with pytest.raises(InputError, match="levels deep") as info:
        read_table(src)
    assert (info.value.file, info.value.line) == ("deep.jsonl", 2)
    assert "flatten" in (info.value.hint or "")


def test_preview_of_a_deep_gzip_record_is_refused_too(tmp_path: Path) -> None:
    """The Data page's preview reads a prefix of the upload; it goes through the same guard."""
    src = tmp_path / "deep.jsonl.gz"
    src.write_bytes(gzip.compress((GOOD + _nested(5_000)).encode()))
    with pytest.raises(InputError, match=r"deep\.jsonl\.gz, line 2: .*levels deep"):
        preview_source(src)


def test_record_as_deep_as_the_limit_is_read(tmp_path: Path) -> None:
    src = tmp_path / "ok.jsonl"
    src.write_text(GOOD + _nested(excel_parquet_jsonl.MAX_JSON_DEPTH - 1))
    assert read_table(src).table.num_rows == 2


def test_recursion_in_a_json_parser_becomes_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the depth scan ever let a record through, RecursionError is still no traceback."""
    monkeypatch.setattr(excel_parquet_jsonl, "MAX_JSON_DEPTH", 1_000_000)
    src = tmp_path / "deep.jsonl"
    src.write_text(GOOD + '{"user_id": [1, "x"]}\n' + _nested(3_000))  # mixed types: Python reads
    with pytest.raises(InputError, match="levels deep") as info:
        read_table(src)
    assert info.value.line == 3


def test_thirty_thousand_levels_do_not_crash_the_process(tmp_path: Path) -> None:
    """Regression: a 63 KB record nesting 30,000 levels segfaulted pyarrow's JSON reader,
    killing the server for everyone. Run in a child process so a crash fails only this test."""
    src = tmp_path / "bomb.jsonl"
    src.write_text(GOOD + _nested(30_000))
    probe = (
        "import sys\n"
        "from seqrec_core.errors import InputError\n"
        "from seqrec_core.ingest.pipeline import preview_source\n"
        "from seqrec_core.ingest.readers import read_table\n"
        "for read in (preview_source, read_table):\n"
        "    try:\n"
        "        read(sys.argv[1])\n"
        "    except InputError as exc:\n"
        "        print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(src)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("bomb.jsonl, line 2: the record nests") == 2
