"""The last segmentation of a run on disk: every shopper's segment number.

`runs/<run>/segments.parquet` (`user_id`, `segment`) is written by the Shoppers page and
the `segments` command and read by the Recommend page's segment preview. Free of torch
and scikit-learn, so the page reads it without loading either.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEGMENTS_FILE = "segments.parquet"


def save_segments(folder: Path, users: tuple[str, ...], labels: np.ndarray) -> Path:
    """Write every shopper's segment (`labels[i]` for `users[i]`) to `folder`, atomically."""
    table = pa.table(
        {
            "user_id": pa.array(users, type=pa.string()),
            "segment": pa.array(labels, type=pa.int32()),
        }
    )
    path = folder / SEGMENTS_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path


def saved_segments(folder: Path) -> dict[int, list[str]]:
    """The last saved segmentation of a run: segment → shopper ids ({} when none)."""
    path = folder / SEGMENTS_FILE
    if not path.is_file():
        return {}
    try:
        frame = pq.read_table(path, columns=["user_id", "segment"]).to_pandas()
    except (OSError, pa.ArrowException, KeyError, ValueError):
        return {}  # unreadable or of another shape: as if none were saved
    return {int(s): group["user_id"].tolist() for s, group in frame.groupby("segment")}
