"""A big Parquet file or folder read batch by batch gives the dataset a whole read gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seqrec_core.errors import InputError
from seqrec_core.ingest import parquet_reading, spooled_parquet, spooled_text
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.ingest.readers import read_table
from seqrec_core.store import Workspace
from tests.support.ingest_checks import assert_same_dataset


def _events(rows: int) -> pa.Table:
    """A log with native types: text ids, zoned times, a float price with gaps, missing
    event types and one missing user id, exact duplicates and cancellations."""
    rng = np.random.default_rng(0)
    users = [f"U{i % 37:03d}" for i in range(rows)]
    items = [f"P{int(i):04d}" for i in rng.integers(0, 60, rows)]
    times = pd.date_range("2024-01-01", periods=rows, freq="7min", tz="UTC")
    kinds = np.array(["view", "cart", "purchase", None], dtype=object)[rng.integers(0, 4, rows)]
    price = np.round(rng.lognormal(2.0, 0.5, rows), 2)
    price[::11] = np.nan
    table = pd.DataFrame(
        {
            "user_id": users,
            "item_id": items,
            "timestamp": times,
            "event_type": kinds,
            "price": price,
            "invoice": [f"C{i}" if i % 50 == 7 else f"I{i}" for i in range(rows)],
        }
    )
    table.loc[13, "user_id"] = None  # missing id
    for copy in (40, 41):  # exact copies of row 39 (lines 41 and 42)
        table.loc[copy] = table.loc[39]
    return pa.Table.from_pandas(table, preserve_index=False)


def _ingest_both(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Workspace, Workspace, list[int]]:
    """`source` ingested whole and batch by batch (5-row batches); rows seen while spooling."""
    whole = Workspace.open(tmp_path / "whole")
    ingest(source, whole, "d")
    monkeypatch.setattr(spooled_parquet, "SPOOL_ABOVE", 0)
    monkeypatch.setattr(parquet_reading, "PARQUET_BATCH_ROWS", 5)
    written: list[int] = []
    real = spooled_parquet.spool_parquet

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        written.append(result.rows)
        return result

    monkeypatch.setattr(spooled_parquet, "spool_parquet", spy)
    batches = Workspace.open(tmp_path / "batches")
    ingest(source, batches, "d")
    return whole, batches, written


def test_a_file_batch_by_batch_gives_the_whole_reads_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "events.parquet"
    pq.write_table(_events(120), source, row_group_size=17)
    whole, batches, written = _ingest_both(source, tmp_path, monkeypatch)
    assert written == [120]  # it was spooled
    assert_same_dataset(whole, batches)
    rejected = batches.read_rejected("d")
    assert {"missing_user_id", "exact_duplicate", "cancellation"} <= set(rejected["reason"])
    assert rejected.loc[rejected["reason"] == "missing_user_id", "line"].tolist() == [14]
    assert sorted(rejected.loc[rejected["reason"] == "exact_duplicate", "line"]) == [41, 42]


def test_a_partitioned_folder_batch_by_batch_gives_the_whole_reads_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "export"
    table = _events(90)
    for day, start in (("2024-01-01", 0), ("2024-01-02", 40), ("2024-01-03", 75)):
        part = folder / f"day={day}"
        part.mkdir(parents=True)
        end = {0: 40, 40: 75, 75: 90}[start]
        pq.write_table(table.slice(start, end - start), part / "part-0.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    whole, batches, written = _ingest_both(folder, tmp_path, monkeypatch)
    assert written == [90]
    assert_same_dataset(whole, batches)
    assert "day" in batches.read_events("d").columns  # the partition column is kept


def test_spooling_stops_at_the_inflate_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One repeated value compresses to almost nothing: refused while spooling, the
    upload's name and the setting to raise in the message."""
    source = tmp_path / "bomb.parquet"
    pq.write_table(pa.table({"user_id": ["U" * 200] * 400_000}), source)
    monkeypatch.setattr(spooled_parquet, "SPOOL_ABOVE", 0)
    monkeypatch.setenv("SEQREC_MAX_INFLATE_RATIO", "10")
    monkeypatch.setattr(parquet_reading, "PARQUET_BATCH_ROWS", 1000)
    spool = tmp_path / "spool.parquet"
    with pytest.raises(InputError, match="inflates over") as caught:
        read_table(source, display_name="bomb.parquet", spool=spool)
    assert caught.value.file == "bomb.parquet"


def test_first_rows_and_progress_while_spooling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "events.parquet"
    pq.write_table(_events(2500), source)
    monkeypatch.setattr(spooled_parquet, "SPOOL_ABOVE", 0)
    monkeypatch.setattr(parquet_reading, "PARQUET_BATCH_ROWS", 700)
    seen: list[int] = []
    raw = read_table(source, spool=tmp_path / "spool.parquet", on_rows=seen.append)
    assert raw.spooled is not None and raw.num_rows == 2500 and seen == [700, 1400, 2100, 2500]
    assert raw.table.num_rows == spooled_text.FIRST_ROWS
    assert raw.table.schema == pq.read_schema(source)  # the source's own names and types
    assert raw.line_numbers.tolist() == list(range(1, 1001))
    written = pq.read_table(raw.spooled)
    assert written.column("_line").to_pylist() == list(range(1, 2501))
    assert written.column("_c0").to_pylist() == pq.read_table(source).column("user_id").to_pylist()
