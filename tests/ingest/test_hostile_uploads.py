"""Hostile and odd inputs end to end: a clear SeqRecError or a report, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.errors import SeqRecError
from seqrec_core.ingest.pipeline import ingest, preview_source
from seqrec_core.store import Workspace

HEADER = "user_id,item_id,timestamp\n"
HOSTILE: dict[str, bytes] = {
    "empty.csv": b"",
    "header_only.csv": HEADER.encode(),
    "garbage.csv": bytes(range(256)) * 40,
    "semicolons.csv": b"user_id;item_id;timestamp\nu1;i1;2024-01-01\nu2;i2;2024-01-02\n",
    "latin1.csv": "user_id,item_id,timestamp,title\nu1,i1,2024-01-01,Café crème\n".encode(
        "latin-1"
    ),
    "quoted_newline.csv": b'user_id,item_id,timestamp,title\nu1,i1,2024-01-01,"two\nlines"\n'
    b"u2,i2,2024-01-02,plain\n",
    "no_ids.csv": b"when,what\n2024-01-01,x\n",
    "bad_times.csv": (HEADER + "u1,i1,soon\nu1,i2,1970-01-01\nu1,i3,2999-01-01\n").encode(),
    "mixed_ids.jsonl": b'{"user_id": 1, "item_id": "a", "timestamp": 1700000000}\n'
    b'{"user_id": "x7", "item_id": 2, "timestamp": 1700000100}\n',
    "not_json.jsonl": b"{broken\n[1, 2]\n",
    "ragged.tsv": b"user_id\titem_id\ttimestamp\nu1\ti1\n\t\t\t\t\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_a_report_or_a_clear_error(tmp_path: Path, name: str) -> None:
    src = tmp_path / name
    src.write_bytes(HOSTILE[name])
    ws = Workspace.open(tmp_path / "ws")
    try:
        preview_source(src)
        report = ingest(src, ws, "hostile").report
    except SeqRecError as exc:
        assert name in str(exc)  # says which file
        assert ws.list_datasets() == []
        return
    assert report.rows_read == report.rows_accepted + report.rows_rejected
    assert report.rows_accepted > 0


def test_bad_times_are_rejected_by_reason(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text(HEADER + "u1,i1,soon\nu1,i2,1970-01-01\nu1,i3,2999-01-01\nu1,i4,2024-05-01\n")
    report = ingest(src, Workspace.open(tmp_path / "ws"), "t").report
    assert report.rejected_by_reason == {"unparseable_timestamp": 1, "out_of_range_time": 2}


def test_ids_of_mixed_types_become_text(tmp_path: Path) -> None:
    src = tmp_path / "mixed_ids.jsonl"
    src.write_bytes(HOSTILE["mixed_ids.jsonl"])
    ws = Workspace.open(tmp_path / "ws")
    ingest(src, ws, "mixed")
    events = ws.read_events("mixed")
    assert sorted(events.user_id) == ["1", "x7"]
    assert sorted(events.item_id) == ["2", "a"]


def test_parquet_with_integer_ids_and_native_timestamps(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "visitorid": [5, 5, 6],
            "itemid": [10, 11, 10],
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-02 09:00"], utc=True
            ),
            "price": [1.5, 2.0, None],
        }
    )
    src = tmp_path / "log.parquet"
    frame.to_parquet(src)
    ws = Workspace.open(tmp_path / "ws")
    report = ingest(src, ws, "pq").report
    assert report.rows_accepted == 3
    assert report.timestamp_format == "native timestamp with zone"
    events = ws.read_events("pq")
    assert events.user_id.tolist() == ["5", "5", "6"]


def test_xlsx_export(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "CustomerID": [17850, 17850, 13047],
            "StockCode": ["85123A", "71053", "84406B"],
            "InvoiceDate": pd.to_datetime(
                ["2010-12-01 08:26", "2010-12-01 08:28", "2010-12-01 08:34"]
            ),
            "Quantity": [6, 6, 8],
        }
    )
    src = tmp_path / "retail.xlsx"
    frame.to_excel(src, index=False)
    ws = Workspace.open(tmp_path / "ws")
    report = ingest(src, ws, "xl").report
    assert report.rows_accepted == 3
    assert report.events_by_type == {"purchase": 3}
    assert sorted(set(ws.read_events("xl").user_id)) == ["13047", "17850"]


def test_scientific_notation_category_is_flagged_and_kept(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text(
        "user_id,item_id,timestamp,category_id\nu1,i1,2024-01-01,2.05301E+18\n"
        "u1,i2,2024-01-02,2053013552326770905\n"
    )
    report = ingest(src, Workspace.open(tmp_path / "ws"), "s").report
    assert report.rows_accepted == 2
    flag = next(w for w in report.warnings if w.code == "category_in_scientific_notation")
    assert (flag.count, flag.examples[0].line) == (1, 2)


def test_report_survives_a_json_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "bad_times.csv"
    src.write_bytes(HOSTILE["bad_times.csv"] + b"u1,i9,2024-01-01\n")
    ws = Workspace.open(tmp_path / "ws")
    report = ingest(src, ws, "rt").report
    assert ws.get_dataset("rt").report == report
    assert json.loads(json.dumps(report.to_dict()))["rows_read"] == 4
