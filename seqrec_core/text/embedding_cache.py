"""Text embeddings cached on disk, keyed by the encoder's weights and the exact text.

One Parquet file per encoder (`<weights sha256[:16]>-<window>.parquet` in the cache folder)
maps the sha256 of a text to its vector. `cached_encode` looks every text up, encodes only
the texts it has never seen, and writes the grown table back (to a temporary file, then
renamed, so a reader never sees half a file). A re-run costs nothing; a changed catalog
encodes only the changed texts. The cache is a cache: a damaged file is set aside and
rebuilt, never an error.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from seqrec_core.text.encoder import Progress, SentenceEncoder, load_encoder
from seqrec_core.text.encoder_files import EncoderFiles


@dataclass(frozen=True)
class CachedVectors:
    """Vectors of texts in input order, and how many were encoded now vs. found cached."""

    vectors: np.ndarray  # (N, dim) float32
    encoded: int  # distinct texts encoded now
    cached: int  # texts whose vector was already cached
    truncated: int  # of the texts encoded now, those the encoder's window cut short


def text_key(text: str) -> str:
    """The cache key of a text: its UTF-8 sha256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def cache_file(cache_dir: Path, files: EncoderFiles) -> Path:
    """Where the vectors of encoder `files` are cached."""
    return cache_dir / f"{files.weights_sha256[:16]}-{files.max_length}.parquet"


def read_cache(path: Path) -> dict[str, np.ndarray]:
    """Text key → vector; empty when there is no cache or it cannot be read (set aside)."""
    if not path.is_file():
        return {}
    try:
        table = pq.read_table(path)
        keys = table.column("key").to_pylist()
        flat = table.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
        vectors = flat.astype(np.float32).reshape(len(keys), -1)
    except (OSError, KeyError, ValueError, pa.ArrowException):
        path.rename(path.with_suffix(f".damaged-{uuid.uuid4().hex[:8]}"))
        return {}
    return dict(zip(keys, vectors, strict=True))


def write_cache(path: Path, entries: dict[str, np.ndarray]) -> None:
    """Write all `entries` to `path` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(entries)
    matrix = np.stack([entries[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 1))
    width = matrix.shape[1]
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1)), width)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    pq.write_table(pa.table({"key": keys, "vector": vectors}), temporary)
    os.replace(temporary, path)


def cached_encode(
    texts: Sequence[str],
    files: EncoderFiles,
    cache_dir: Path,
    *,
    device: str = "auto",
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
) -> CachedVectors:
    """Vectors of `texts`, encoding only those not cached for encoder `files` (see module doc).

    Args:
        texts: the texts, duplicates allowed (each distinct text is encoded once).
        files: the encoder; it is loaded (on `device`) only when some text is not cached,
            unless a loaded `encoder` is given.
        cache_dir: the cache folder.
        progress: called with (texts encoded, texts to encode).
    """
    path = cache_file(cache_dir, files)
    cache = read_cache(path)
    keys = [text_key(text) for text in texts]
    todo = list(dict.fromkeys(key for key in keys if key not in cache))
    hits = sum(key in cache for key in keys)
    text_of = dict(zip(keys, texts, strict=True))
    truncated = 0
    if todo:
        encoder = encoder or load_encoder(files, device)
        encoded = encoder.encode(
            [text_of[key] for key in todo], batch_size=batch_size, progress=progress
        )
        cache.update(zip(todo, encoded.vectors, strict=True))
        truncated = encoded.truncated
        write_cache(path, cache)
    elif progress is not None:
        progress(len(texts), len(texts))
    vectors = np.stack([cache[key] for key in keys]) if keys else np.zeros((0, 1))
    return CachedVectors(vectors.astype(np.float32, copy=False), len(todo), hits, truncated)
