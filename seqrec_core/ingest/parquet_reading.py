"""Parquet uploads: one file or a folder of partitions, decoded in batches within limits.

A Parquet file is decoded `PARQUET_BATCH_ROWS` rows at a time and refused once what it
decodes to passes the inflate-ratio limit for its size (`open_upload.check_ratio`: a few KB
of one value repeated can declare a billion rows). A folder is read as one table with its
Hive partition columns (`day=2024-01-01/`), skipping hidden and `_`-prefixed bookkeeping
files. Rows are numbered from 1 (across a folder, in the order its files are read). Arrow's
own errors name server paths, so every read error becomes an InputError naming the upload.
`read_parquet` and `read_parquet_folder` give a whole table; `parquet_file_batches` and
`parquet_folder_batches` the batches, for `spooled_parquet`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from seqrec_core.errors import InputError
from seqrec_core.ingest.delimited_rows import Parsed
from seqrec_core.ingest.open_upload import check_ratio, damaged

# Parquet is decoded this many rows at a time, so that its inflate ratio is judged early.
PARQUET_BATCH_ROWS: Final = 65_536
_PARQUET_FIX: Final = "check how the file was written (one value repeated in every row?)"


def _translated(
    batches: Iterator[pa.RecordBatch], error: Callable[[], InputError]
) -> Iterator[pa.RecordBatch]:
    """`batches`, with Arrow's read errors (whose text names server paths) as `error()`;
    what the caller does with a batch (e.g. write it) is not translated."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise error() from exc
        yield batch


def checked_batches(
    batches: Iterable[pa.RecordBatch], compressed: int, name: str
) -> Iterator[pa.RecordBatch]:
    """`batches`, refused (`check_ratio`) as soon as what they decode to passes the
    inflate-ratio limit for the `compressed` bytes they come from."""
    inflated = 0
    for batch in batches:
        inflated += batch.nbytes
        check_ratio(inflated, compressed, name, fix=_PARQUET_FIX)
        yield batch


@dataclass(frozen=True)
class ParquetBatches:
    """A Parquet source decoded `PARQUET_BATCH_ROWS` rows at a time, every batch within
    the inflate-ratio limit; a read error becomes an InputError naming the upload."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]


def _damaged_parquet(name: str) -> InputError:
    return damaged(name, "Parquet file", "write it again")


def _unreadable_folder(name: str, files: int) -> InputError:
    # Arrow's message would show server paths, so it is not passed on.
    return InputError(
        f"the {files} Parquet files in the folder cannot be read as one table",
        file=name,
        hint="check that every file is intact and has the same columns and types",
    )


def parquet_file_batches(source: str | pa.BufferReader, name: str) -> ParquetBatches:
    """One Parquet file (a path or an in-memory buffer), batch by batch."""
    try:
        parquet = pq.ParquetFile(source)
        size = Path(source).stat().st_size if isinstance(source, str) else source.size()
        batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS)
    except (pa.ArrowException, OSError) as exc:
        raise _damaged_parquet(name) from exc
    checked = checked_batches(_translated(batches, lambda: _damaged_parquet(name)), size, name)
    return ParquetBatches(parquet.schema_arrow, checked)


def read_parquet(source: str | pa.BufferReader, name: str, sample_rows: int | None) -> Parsed:
    """One Parquet file (a path or an in-memory buffer); rows are numbered from 1.

    Raises:
        InputError: the file is damaged, or decodes to over the inflate-ratio limit times
            its size (a few KB of one value repeated can declare a billion rows).
    """
    if sample_rows is None:
        read = parquet_file_batches(source, name)
        table = pa.Table.from_batches(list(read.batches), schema=read.schema)
        return Parsed(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
    try:
        parquet = pq.ParquetFile(source)
        first = next(parquet.iter_batches(batch_size=max(sample_rows, 1)), None)
        table = parquet.schema_arrow.empty_table() if first is None else pa.table(first)
    except (pa.ArrowException, OSError) as exc:
        raise _damaged_parquet(name) from exc
    return Parsed(table, np.arange(1, table.num_rows + 1, dtype=np.int64))


def parquet_files(folder: Path) -> list[Path]:
    """The data files of a Parquet folder, skipping hidden and `_`-prefixed bookkeeping."""
    return sorted(
        path
        for path in folder.rglob("*.parquet")
        if path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
    )


def _folder_dataset(folder: Path, files: list[Path]) -> pads.Dataset:
    return pads.dataset(
        [str(path) for path in files],
        format="parquet",
        partitioning="hive",
        partition_base_dir=str(folder),
    )


def parquet_folder_batches(folder: Path, files: list[Path], name: str) -> ParquetBatches:
    """The data `files` of a folder (`parquet_files`) as one table (Hive partition columns
    included), batch by batch."""
    try:
        dataset = _folder_dataset(folder, files)
        batches = dataset.to_batches(batch_size=PARQUET_BATCH_ROWS)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_folder(name, len(files)) from exc
    size = sum(path.stat().st_size for path in files)
    translated = _translated(iter(batches), lambda: _unreadable_folder(name, len(files)))
    return ParquetBatches(dataset.schema, checked_batches(translated, size, name))


def read_parquet_folder(
    folder: Path, files: list[Path], name: str, sample_rows: int | None
) -> Parsed:
    """The data `files` of a folder (`parquet_files`) as one table (Hive partition columns
    included)."""
    if sample_rows is None:
        read = parquet_folder_batches(folder, files, name)
        try:
            table = pa.Table.from_batches(list(read.batches), schema=read.schema)
        except pa.ArrowException as exc:  # batches that do not fit the folder's schema
            raise _unreadable_folder(name, len(files)) from exc
        return Parsed(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
    try:
        table = _folder_dataset(folder, files).head(sample_rows)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable_folder(name, len(files)) from exc
    return Parsed(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
