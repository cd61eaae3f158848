"""Read a big Parquet file, or a folder of Parquet partitions, batch by batch into the spool.

A warehouse or Spark export bigger than `SPOOL_ABOVE` bytes is never held whole: each
batch the Parquet reader decodes (`parquet_reading.ParquetBatches`, within the
inflate-ratio limit) is written to the spool with the internal column names `_c0, _c1,
...` and `_line` (the row's index + 1, counted across the folder's files in the order a
whole read takes them), which DuckDB then reads as the source of validation
(`row_validation`), exactly as a big delimited text's (`spooled_text`). Columns keep their
Parquet types, so every value, line number and rejection is what the in-memory read gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa

from seqrec_core.ingest.excel_parquet_jsonl import RowsRead
from seqrec_core.ingest.parquet_reading import ParquetBatches
from seqrec_core.ingest.spooled_text import SpoolWriter

SPOOL_ABOVE: Final = 16 << 20  # Parquet bytes on disk above which it is spooled (tests lower it)


@dataclass(frozen=True)
class SpooledParquet:
    """A Parquet source read into the spool.

    Attributes:
        first: the first rows (`spooled_text.FIRST_ROWS`) under the source's own column
            names and types.
        rows: every row written.
    """

    first: pa.Table
    rows: int


def spool_parquet(
    read: ParquetBatches, out: Path, on_rows: RowsRead | None = None
) -> SpooledParquet:
    """Write every batch of `read` to the Parquet file `out`, one batch in memory at a time.

    `on_rows` hears the rows written so far after each batch.

    Raises:
        InputError: as the in-memory read would (damaged file, past the inflate limit).
    """
    writer = SpoolWriter(out, list(read.schema.types), on_rows)
    try:
        for batch in read.batches:
            lines = np.arange(writer.rows + 1, writer.rows + batch.num_rows + 1, dtype=np.int64)
            writer.add(pa.Table.from_batches([batch]), lines)
    finally:
        writer.close()
    if not writer.rows:
        return SpooledParquet(first=read.schema.empty_table(), rows=0)
    first, _ = writer.first_rows(read.schema.names)
    return SpooledParquet(first=first.cast(read.schema), rows=writer.rows)
