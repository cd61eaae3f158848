"""Each rejection reason, the bookkeeping invariant, warnings, atomicity, re-upload and
progress."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from seqrec_core.errors import InputError, WorkspaceError
from seqrec_core.ingest import dataset_files, excel_parquet_jsonl
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.store import Workspace
from tests.support.helpers import write_text as _write

BAD_LOG = (
    "user_id,item_id,timestamp,event_type,quantity,invoice_id\n"  # line 1
    "u1,i1,2024-03-01T10:00:00Z,view,1,\n"  # 2 ok
    ",i1,2024-03-01T10:01:00Z,view,1,\n"  # 3 missing user
    "u1,,2024-03-01T10:02:00Z,view,1,\n"  # 4 missing item
    "u2,2.10381E+18,2024-03-01T10:03:00Z,view,1,\n"  # 5 scientific notation
    "u2,i2,yesterday noon,view,1,\n"  # 6 unparseable timestamp
    "u2,i2,1970-01-01T00:00:00Z,view,1,\n"  # 7 out of range (1970)
    "u2,i2,2099-01-01T00:00:00Z,view,1,\n"  # 8 out of range (future)
    "u3,i3,2024-03-01T10:04:00Z,purchase,1,C1001\n"  # 9 cancellation
    "u3,i3,2024-03-01T10:05:00Z,purchase,-2,1002\n"  # 10 return
    "u1,i1,2024-03-01T10:00:00Z,view,1,\n"  # 11 exact duplicate of line 2
    "u3,i4,2024-03-01T10:06:00Z,teleport,1,\n"  # 12 ok, unknown event word
    "u3,i4,2024-03-01T10:07:00Z,,1,\n"  # 13 ok, no event word
)


def test_every_rejection_reason_with_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    report = ingest(_write(tmp_path / "bad.csv", BAD_LOG), ws, "bad").report
    assert report.rows_read == 12
    assert report.rows_accepted == 3
    assert report.rows_rejected == 9
    assert report.rejected_by_reason == {
        "missing_user_id": 1,
        "missing_item_id": 1,
        "id_in_scientific_notation": 1,
        "unparseable_timestamp": 1,
        "out_of_range_time": 2,
        "cancellation": 1,
        "return": 1,
        "exact_duplicate": 1,
    }
    lines = {reason: [e.line for e in ex] for reason, ex in report.examples.items()}
    assert lines == {
        "missing_user_id": [3],
        "missing_item_id": [4],
        "id_in_scientific_notation": [5],
        "unparseable_timestamp": [6],
        "out_of_range_time": [7, 8],
        "cancellation": [9],
        "return": [10],
        "exact_duplicate": [11],
    }
    sci = report.examples["id_in_scientific_notation"][0]
    assert (sci.column, sci.value) == ("item_id", "2.10381E+18")
    bad_time = report.examples["unparseable_timestamp"][0]
    assert (bad_time.column, bad_time.value) == ("timestamp", "yesterday noon")
    assert report.unknown_event_types == {"teleport": 1}
    codes = {w.code: w.count for w in report.warnings}
    assert codes["unknown_event_type"] == 1
    assert codes["missing_event_type"] == 1


def test_rejected_rows_are_kept_whole_and_events_match_report(
    ws: Workspace, tmp_path: Path
) -> None:
    report = ingest(_write(tmp_path / "bad.csv", BAD_LOG), ws, "bad").report
    rejected = ws.read_rejected("bad")
    events = ws.read_events("bad")
    assert len(rejected) == report.rows_rejected
    assert len(events) == report.rows_accepted
    assert sorted(rejected.line.tolist() + events.line.tolist()) == list(range(2, 14))
    row = rejected.set_index("line").loc[6]
    assert (row.reason, row.timestamp, row.user_id) == (
        "unparseable_timestamp",
        "yesterday noon",
        "u2",
    )
    assert "ISO 8601" in row.message
    assert events.event_type.tolist() == ["view", "teleport", "interaction"]


def test_malformed_rows_are_counted_not_lost(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "ragged.csv",
        "user_id,item_id,timestamp\nu1,i1,2024-01-01\nu1,i2,2024-01-02,extra,fields\n"
        "u2,i3,2024-01-03\n",
    )
    report = ingest(src, ws, "ragged").report
    assert report.rows_read == 3
    assert report.rejected_by_reason == {"malformed_row": 1}
    assert report.examples["malformed_row"][0].line == 3
    rejected = ws.read_rejected("ragged")
    assert rejected.raw_text.tolist() == ["u1,i2,2024-01-02,extra,fields"]


def test_float_suffix_ids_are_normalised(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "floaty.csv",
        "CustomerID,StockCode,InvoiceDate\n17850.0,85123,2010-12-01\n17850,85123.0,2010-12-02\n",
    )
    ingest(src, ws, "floaty")
    events = ws.read_events("floaty")
    assert set(events.user_id) == {"17850"}
    assert set(events.item_id) == {"85123"}


def test_heavy_user_is_kept_and_flagged(ws: Workspace, tmp_path: Path) -> None:
    rows = [f"bot,i{i % 50},2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z" for i in range(1200)]
    rows += [f"u{u},i{u},2024-01-02T00:00:00Z" for u in range(30)]
    src = _write(tmp_path / "bot.csv", "user_id,item_id,timestamp\n" + "\n".join(rows) + "\n")
    report = ingest(src, ws, "bot").report
    assert report.rows_accepted == 1230
    heavy = next(w for w in report.warnings if w.code == "heavy_user")
    assert heavy.count == 1
    assert heavy.examples[0].value == "bot"


def test_missing_required_column_names_found_columns(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "nouser.csv", "product,when\np1,2024-01-01\np2,2024-01-02\n")
    with pytest.raises(InputError) as info:
        ingest(src, ws, "nouser")
    message = str(info.value)
    assert "nouser.csv" in message
    assert "user_id" in message
    assert "'product'" in message and "--map" in message
    assert ws.list_datasets() == []


def test_mapping_override(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "odd.csv", "who,what,when\na,x,2024-01-01\nb,y,2024-01-02\n")
    report = ingest(
        src,
        ws,
        "odd",
        column_mapping={"who": "user_id", "what": "item_id", "when": "timestamp"},
    ).report
    assert report.rows_accepted == 2


def test_header_only_file_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "empty.csv", "user_id,item_id,timestamp\n")
    with pytest.raises(InputError, match="no data rows"):
        ingest(src, ws, "empty")


def test_all_rows_rejected_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "bad.csv", "user_id,item_id,timestamp\n,i1,2024-01-01\n")
    with pytest.raises(InputError, match="none of the 1 rows"):
        ingest(src, ws, "bad")
    assert ws.list_datasets() == []


def test_crash_mid_ingest_leaves_no_half_dataset(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _write(tmp_path / "a.csv", "user_id,item_id,timestamp\nu1,i1,2024-01-01\n")
    ingest(good, ws, "keep")
    other = _write(tmp_path / "b.csv", "user_id,item_id,timestamp\nu2,i2,2024-01-01\n")

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(dataset_files, "write_rejected", explode)
    with pytest.raises(OSError, match="disk full"):
        ingest(other, ws, "broken")
    with pytest.raises(OSError, match="disk full"):
        ingest(other, ws, "keep", replace=True)
    assert [d.name for d in ws.list_datasets()] == ["keep"]
    assert ws.read_events("keep").user_id.tolist() == ["u1"]
    leftovers = [p.name for p in (ws.root / "datasets").iterdir()]
    assert len(leftovers) == 1 and not leftovers[0].startswith(".staging")


def test_reupload_is_recognised(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "a.csv", "user_id,item_id,timestamp\nu1,i1,2024-01-01\n")
    first = ingest(src, ws, "first")
    again = ingest(src, ws, "first")
    assert not first.reused and again.reused
    assert again.dataset.created_at == first.dataset.created_at
    copy = ingest(src, ws, "second")
    assert copy.report.duplicate_of == ["first"]
    archived = list((ws.root / "uploads").glob("*/*"))
    assert len(archived) == 1
    assert archived[0].read_bytes() == src.read_bytes()
    assert archived[0].parent.name == first.dataset.source_sha256
    with pytest.raises(WorkspaceError, match="already exists"):
        ingest(
            _write(tmp_path / "b.csv", "user_id,item_id,timestamp\nu9,i9,2024-01-01\n"),
            ws,
            "first",
        )


def test_pseudonymisation_is_keyed_stable_and_complete(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "p.csv",
        "user_id,item_id,timestamp\nalice@example.com,i1,2024-01-01\n"
        "alice@example.com,i2,2024-01-02\nbob@example.com,i1,1969-01-01\n",
    )
    ingest(src, ws, "p1", pseudonymize=True)
    ingest(src, ws, "p2", pseudonymize=True)
    first, second = ws.read_events("p1"), ws.read_events("p2")
    assert first.user_id.tolist() == second.user_id.tolist()
    assert first.user_id.str.match(r"^u_[0-9a-f]{16}$").all()
    rejected = ws.read_rejected("p1")
    assert not rejected.to_csv().count("@example.com")
    assert (ws.root / "secret" / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_latin1_catalog_titles(ws: Workspace, tmp_path: Path) -> None:
    src = _write(
        tmp_path / "fr.csv",
        "user_id;item_id;timestamp;title\nu1;i1;2024-01-01;Crème brûlée\n",
        encoding="latin-1",
    )
    ingest(src, ws, "fr")
    assert ws.read_items("fr").title.tolist() == ["Crème brûlée"]


def test_invalid_dataset_name(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "a.csv", "user_id,item_id,timestamp\nu1,i1,2024-01-01\n")
    with pytest.raises(WorkspaceError, match="invalid dataset name"):
        ingest(src, ws, "../../etc")
    assert pd.Series([d.name for d in ws.list_datasets()]).empty


def test_epoch_column_with_a_bad_value_rejects_only_that_row(ws: Workspace, tmp_path: Path) -> None:
    """Regression: one non-numeric value in a text epoch column made every row unparseable."""
    src = _write(
        tmp_path / "rr.csv",
        "timestamp,visitorid,event,itemid\n1433221332117,1,view,10\nnot-a-time,1,view,11\n"
        "1433224214164,2,view,12\n",
    )
    report = ingest(src, ws, "rr").report
    assert report.rows_accepted == 2
    assert report.timestamp_format == "epoch milliseconds"
    assert [e.line for e in report.examples["unparseable_timestamp"]] == [3]


def test_compact_dates_are_dates_not_epochs(ws: Workspace, tmp_path: Path) -> None:
    src = _write(tmp_path / "d.csv", "user,item,date\nu1,i1,20240131\nu1,i2,20240201\n")
    report = ingest(src, ws, "compact").report
    assert report.timestamp_format == "%Y%m%d"
    assert report.time_min == "2024-01-31 00:00:00"


def test_oversized_file_is_refused_before_it_is_archived(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQREC_MAX_UPLOAD_MB", "0.001")  # about 1 KB
    rows = "".join(f"u{i},i{i},2024-01-01\n" for i in range(200))
    src = _write(tmp_path / "big.csv", "user_id,item_id,timestamp\n" + rows)
    with pytest.raises(
        InputError, match=r"big.csv: file is .* over the limit .* SEQREC_MAX_UPLOAD_MB"
    ):
        ingest(src, ws, "big")
    assert not any((ws.root / "uploads").iterdir())


def test_times_without_a_zone_get_a_note(ws: Workspace, tmp_path: Path) -> None:
    """Regression: times without a zone were taken as UTC without a word in the report."""
    src = _write(
        tmp_path / "n.csv", "user,item,when\nu1,i1,2024-01-01 10:00:00\nu1,i2,2024-01-02 09:30:00\n"
    )
    report = ingest(src, ws, "naive").report
    (note,) = [w for w in report.warnings if w.code == "naive_timestamps"]
    assert "column 'when' carry no time zone and were read as UTC" in note.message
    assert "2024-01-01T10:00:00+01:00" in note.message


@pytest.mark.parametrize(
    "times",
    [
        ("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z"),
        ("2024-01-01 10:00:00+01:00", "2024-01-01 11:00:00-0500"),
        ("1700000000", "1700000100"),
    ],
)
def test_times_with_a_zone_or_epochs_get_no_note(
    ws: Workspace, tmp_path: Path, times: tuple[str, str]
) -> None:
    body = "".join(f"u1,i{i},{t}\n" for i, t in enumerate(times))
    report = ingest(
        _write(tmp_path / "z.csv", "user_id,item_id,timestamp\n" + body), ws, "z"
    ).report
    assert report.rows_accepted == 2
    assert "naive_timestamps" not in {w.code for w in report.warnings}


def test_native_timestamps_without_a_zone_get_a_note(ws: Workspace, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"user_id": ["u1"], "item_id": ["i1"], "timestamp": pd.to_datetime(["2024-01-01 10:00"])}
    )
    frame.to_parquet(tmp_path / "n.parquet")
    aware = frame.assign(timestamp=frame.timestamp.dt.tz_localize("Europe/Paris"))
    aware.to_parquet(tmp_path / "a.parquet")
    naive = ingest(tmp_path / "n.parquet", ws, "n").report
    zoned = ingest(tmp_path / "a.parquet", ws, "a").report
    assert "naive_timestamps" in {w.code for w in naive.warnings}
    assert "naive_timestamps" not in {w.code for w in zoned.warnings}


def test_reading_a_workbook_reports_rows_so_far_within_its_share(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: ingesting a big .xlsx sat on "Reading Online Retail.xlsx" for 42 of its 47 s
    with no count; the counts now show, and the bar stays before "Mapping columns"."""
    monkeypatch.setattr(excel_parquet_jsonl, "XLSX_ROWS_PER_REPORT", 600)
    book = openpyxl.Workbook()
    book.active.append(["user_id", "item_id", "timestamp"])
    for row in range(1_205):
        book.active.append([f"u{row % 7}", f"i{row % 13}", f"2024-03-01T10:{row % 60:02}:00Z"])
    book.save(tmp_path / "orders.xlsx")
    seen: list[tuple[float, str]] = []
    ingest(tmp_path / "orders.xlsx", ws, "orders", progress=lambda f, m: seen.append((f, m)))
    messages = [message for _, message in seen]
    start = messages.index("Reading orders.xlsx")
    assert messages[start : start + 5] == [
        "Reading orders.xlsx",
        "Reading orders.xlsx: 600 rows so far",
        "Reading orders.xlsx: 1,200 rows so far",
        "Reading orders.xlsx: 1,206 rows so far",
        "Mapping columns",
    ]
    fractions = [fraction for fraction, _ in seen[start : start + 5]]
    assert fractions == sorted(set(fractions))
    assert fractions[0] == 0.08 and fractions[-1] == 0.35
