"""Look-alike ids: kept exactly as written, flagged in the report with escaped examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqrec_core.ingest.lookalike_ids import escaped
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.quality import Flag, ValidationReport
from seqrec_core.store import Workspace
from tests.support.helpers import write_text

HEADER = "user_id,item_id,timestamp\n"
LOOKALIKE_USERS = (
    "u1,i1,2024-01-01T10:00:00Z\n"  # line 2
    "u1\u200b,i2,2024-01-01T10:01:00Z\n"  # 3: a zero-width space
    "\tu1,i3,2024-01-01T10:02:00Z\n"  # 4: a leading tab
    "\uff11\uff12\uff13,i1,2024-01-01T10:03:00Z\n"  # 5: full-width digits
    "123,i2,2024-01-01T10:04:00Z\n"  # 6
    "caf\u00e9,i1,2024-01-01T10:05:00Z\n"  # 7: é composed (NFC)
    "cafe\u0301,i2,2024-01-01T10:06:00Z\n"  # 8: é decomposed (NFD)
    "cafe\u0301,i3,2024-01-01T10:07:00Z\n"  # 9
    "u2,\ufeffi9,2024-01-01T10:08:00Z\n"  # 10: an item id behind a byte-order mark
    "u2,i9,2024-01-01T10:09:00Z\n"  # 11
)


def _flag(report: ValidationReport, code: str) -> Flag:
    return next(w for w in report.warnings if w.code == code)


def test_escaped_writes_odd_characters_as_code_points() -> None:
    assert escaped("u1\u200b") == "u1<U+200B>"
    assert escaped("\tcafe\u0301 x") == "<U+0009>cafe<U+0301> x"


def test_lookalike_ids_are_kept_and_flagged(ws: Workspace, tmp_path: Path) -> None:
    """Regression: ids differing only by Unicode form, zero-width characters or a tab
    silently became separate users."""
    src = write_text(tmp_path / "ids.csv", HEADER + LOOKALIKE_USERS)
    report = ingest(src, ws, "ids").report
    assert (report.rows_accepted, report.users) == (10, 8)  # nothing merged, nothing dropped
    events = ws.read_events("ids")
    assert {"u1", "u1\u200b", "\tu1", "\uff11\uff12\uff13", "cafe\u0301"} <= set(events.user_id)

    users = _flag(report, "lookalike_user_id")
    assert users.count == 5  # rows of the look-alikes: lines 3, 4, 5, 8 and 9
    assert "4 user id(s) look the same as another user id" in users.message
    assert [(e.line, e.column, e.value) for e in users.examples] == [
        (3, "user_id", "u1<U+200B>"),
        (4, "user_id", "<U+0009>u1"),
        (5, "user_id", "<U+FF11><U+FF12><U+FF13>"),
        (8, "user_id", "cafe<U+0301>"),
    ]
    assert users.examples[0].message == "looks like 'u1'; differs by U+200B ZERO WIDTH SPACE"
    assert "U+0301 COMBINING ACUTE ACCENT" in users.examples[3].message
    assert "looks like 'caf<U+00E9>'" in users.examples[3].message

    items = _flag(report, "lookalike_item_id")
    assert (items.count, [e.value for e in items.examples]) == (1, ["<U+FEFF>i9"])


def test_mixed_script_ids_are_flagged(ws: Workspace, tmp_path: Path) -> None:
    rows = (
        "\u0430lice,i1,2024-01-01T10:00:00Z\n"  # Cyrillic а, then Latin
        "\u0430lice,i2,2024-01-01T10:01:00Z\n"
        "\u043c\u0430\u0448\u0430,i1,2024-01-01T10:02:00Z\n"  # all Cyrillic: a real name
        "\u03b1\u03b2,i\u03bf1,2024-01-01T10:03:00Z\n"  # item: Greek omicron in a Latin id
    )
    report = ingest(write_text(tmp_path / "scripts.csv", HEADER + rows), ws, "scripts").report
    users = _flag(report, "mixed_script_user_id")
    assert (users.count, len(users.examples)) == (2, 1)
    assert users.examples[0].value == "<U+0430>lice"
    assert users.examples[0].message == "mixes Latin with U+0430 CYRILLIC SMALL LETTER A"
    items = _flag(report, "mixed_script_item_id")
    assert items.examples[0].value == "i<U+03BF>1"
    assert not any(w.code.startswith("lookalike") for w in report.warnings)


def test_pseudonymised_user_ids_are_counted_but_not_shown(ws: Workspace, tmp_path: Path) -> None:
    src = write_text(tmp_path / "ids.csv", HEADER + LOOKALIKE_USERS)
    report = ingest(src, ws, "ids", pseudonymize=True).report
    users = _flag(report, "lookalike_user_id")
    assert (users.count, users.examples) == (5, [])
    assert "pseudonymised" in users.message
    assert _flag(report, "lookalike_item_id").examples  # item ids are not secret


@pytest.mark.parametrize("user", ["u1", "Ünal", "\u043c\u0430\u0448\u0430", "日本"])
def test_plain_ids_raise_no_flag(ws: Workspace, tmp_path: Path, user: str) -> None:
    rows = f"{user},i1,2024-01-01T10:00:00Z\n{user},i2,2024-01-01T10:01:00Z\n"
    report = ingest(write_text(tmp_path / "plain.csv", HEADER + rows), ws, "plain").report
    assert not [w.code for w in report.warnings if "_id" in w.code]
