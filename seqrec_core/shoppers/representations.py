"""Shopper representations of a trained run, two kinds, both in the model's item space.

- `next` (the export's default): the vector SASRec, BERT4Rec or GRU4Rec computes from a
  shopper's stored history just before scoring (`shopper_states`), so that every item's
  score is `representation · item vector` (plus BERT4Rec's per-item bias): "shops like"
  means "would be shown alike next". It reads the last `max_len` events: recent intent.
- `history`: the mean of the model's item vectors over the shopper's whole stored
  history, every event alike: lasting taste. Lookalike audiences, segments, the map and
  similar shoppers use it by default: with the default lookalike (a classifier) it finds
  0.60 of the sample's held-out brand-loyal shoppers against 0.25 with `next`, and 0.17
  of UCI's next-basket family buyers against 0.10 (`benchmarks/shoppers.py`, README).

Baselines (POP, COOC) have neither; `require_representations` says so. Vectors are
computed in batches with progress and cached per run and kind as Parquet
(`runs/<run>/shopper_vectors.parquet` and `shopper_history_vectors.parquet`, the export
format: `user_id`, `vector`, `run_id`, `model`, `representation`), keyed by the
checkpoint file and the dataset it was read from.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from seqrec_core.data.sequences import pad_left
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.models.names import MODEL_TITLES
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.shoppers.shopper_index import ShopperIndex, build_index

KINDS = ("history", "next")
DEFAULT_KIND = "history"  # what the shopper tools compare; the export defaults to "next"
KIND_TITLES = {
    "history": "whole history (lasting taste)",
    "next": "next step (recent intent, what they would be shown)",
}
CACHE_FILES = {"next": "shopper_vectors.parquet", "history": "shopper_history_vectors.parquet"}
CACHE_FILE = CACHE_FILES["next"]
_BATCH = 512
_KEY = b"seqrec.shopper_vectors.key"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ShopperVectors:
    """Every shopper's representation in one run, row `i` for `users[i]`.

    Attributes:
        run_id: the run.
        model: its model name (e.g. "SASRec").
        users: shopper ids, in the run's user order.
        vectors: (U, D) float32 representations.
        item_vectors: (V, D) float32 vectors the model scores items with (row 0 padding).
        item_bias: (V,) per-item score bias (BERT4Rec), or None.
        kind: "next" or "history" (`KINDS`).
    """

    run_id: str
    model: str
    users: tuple[str, ...]
    vectors: np.ndarray
    item_vectors: np.ndarray
    item_bias: np.ndarray | None = None
    kind: str = "next"
    rows: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.rows:
            self.rows.update({user: i for i, user in enumerate(self.users)})

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.users)

    @cached_property
    def unit(self) -> torch.Tensor:
        """(U, D) the vectors scaled to length 1 (cosine similarity is a dot product)."""
        vectors = torch.from_numpy(self.vectors)
        return torch.nn.functional.normalize(vectors, dim=1)

    @cached_property
    def index(self) -> ShopperIndex:
        """The approximate neighbour index of the unit vectors, built on first use."""
        return build_index(self.unit.numpy())


def sample_rows(count: int, size: int, seed: int = 0) -> np.ndarray:
    """All of `range(count)`, or a fixed seeded sample of `size` of them, sorted."""
    if count <= size:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size, replace=False))


def has_representations(model: torch.nn.Module) -> bool:
    """True when the model computes a shopper state (the neural models)."""
    return callable(getattr(model, "shopper_states", None))


def require_representations(loaded: LoadedRun) -> None:
    """Raise a plain `RunError` for a run whose model has no shopper representation."""
    if not has_representations(loaded.model):
        name = MODEL_TITLES.get(loaded.info.model, loaded.info.model)
        raise RunError(
            f"run {loaded.info.run_id} is a {name} baseline: it counts items and has no "
            "representation of a shopper — pick a SASRec, BERT4Rec or GRU4Rec run (train "
            "one on the Train page)"
        )


def check_kind(kind: str) -> None:
    """Raise `ConfigError` for a kind that is not one of `KINDS`."""
    if kind not in KINDS:
        raise ConfigError(f"representation = {kind!r} is not one of {', '.join(KINDS)}")


@torch.no_grad()
def compute_shopper_vectors(
    loaded: LoadedRun,
    *,
    kind: str = "next",
    batch_size: int = _BATCH,
    progress: Progress | None = None,
) -> ShopperVectors:
    """Every shopper's representation of kind `kind`, in batches.

    Raises:
        RunError: the run's model is a baseline.
        ConfigError: an unknown kind.
    """
    require_representations(loaded)
    check_kind(kind)
    if kind == "history":
        return _history_vectors(loaded, batch_size * 16, progress)
    model = loaded.model
    data = loaded.prepared.data
    device = next(iter(model.state_dict().values())).device
    seqs, total = data.sequences, len(data.sequences)
    chunks = []
    for start in range(0, total, batch_size):
        rows = np.arange(start, min(start + batch_size, total))
        batch = pad_left(seqs, rows, model.config.max_len)
        states = model.shopper_states(**{k: v.to(device) for k, v in batch.items()})
        chunks.append(states.float().cpu().numpy())
        if progress is not None:
            done = start + len(rows)
            progress(done / total, f"Representing shoppers: {done:,} of {total:,}")
    dim = int(model.scoring_items()[0].shape[1])
    return _with_items(loaded, np.concatenate(chunks) if chunks else np.zeros((0, dim), np.float32))


@torch.no_grad()
def _history_vectors(
    loaded: LoadedRun, batch_size: int, progress: Progress | None
) -> ShopperVectors:
    """Each shopper's mean item vector over their whole stored history (zeros for none)."""
    items = loaded.model.scoring_items()[0].float().cpu()  # (V, D)
    seqs = loaded.prepared.data.sequences
    total = len(seqs)
    out = torch.zeros((total, items.shape[1]))
    for start in range(0, total, batch_size):
        stop = min(start + batch_size, total)
        first, last = int(seqs.offsets[start]), int(seqs.offsets[stop])
        owner = np.repeat(np.arange(stop - start), seqs.lengths[start:stop])  # (E,)
        events = torch.from_numpy(seqs.items[first:last].astype(np.int64))
        block = out[start:stop]
        block.index_add_(0, torch.from_numpy(owner), items[events])  # (B, D) sums
        block /= torch.from_numpy(seqs.lengths[start:stop]).clamp(min=1).unsqueeze(1).float()
        if progress is not None:
            progress(stop / total, f"Representing shoppers: {stop:,} of {total:,}")
    return _with_items(loaded, out.numpy(), "history")


@torch.no_grad()
def _with_items(loaded: LoadedRun, vectors: np.ndarray, kind: str = "next") -> ShopperVectors:
    """`vectors` (U, D) of the run's shoppers, with the item vectors they are scored against."""
    items, bias = loaded.model.scoring_items()
    return ShopperVectors(
        run_id=loaded.info.run_id,
        model=loaded.info.model,
        users=tuple(loaded.prepared.data.users.tokens),
        vectors=vectors,
        item_vectors=items.float().cpu().numpy(),
        item_bias=None if bias is None else bias.float().cpu().numpy(),
        kind=kind,
    )


def vectors_table(vectors: ShopperVectors) -> pa.Table:
    """The export table: `user_id`, `vector` (list of float32), `run_id`, `model`,
    `representation` (the kind)."""
    flat = pa.array(vectors.vectors.reshape(-1), type=pa.float32())
    column = pa.FixedSizeListArray.from_arrays(flat, vectors.dim).cast(pa.list_(pa.float32()))
    count = len(vectors)
    return pa.table(
        {
            "user_id": pa.array(vectors.users, type=pa.string()),
            "vector": column,
            "run_id": pa.array([vectors.run_id] * count, type=pa.string()),
            "model": pa.array([vectors.model] * count, type=pa.string()),
            "representation": pa.array([vectors.kind] * count, type=pa.string()),
        }
    )


def vectors_frame(vectors: ShopperVectors) -> pd.DataFrame:
    """The export as columns: `user_id`, `e0` … `e{D-1}`, `run_id`, `model`,
    `representation` (for CSV)."""
    frame = pd.DataFrame(vectors.vectors, columns=[f"e{i}" for i in range(vectors.dim)])
    frame.insert(0, "user_id", list(vectors.users))
    return frame.assign(run_id=vectors.run_id, model=vectors.model, representation=vectors.kind)


def write_vectors(vectors: ShopperVectors, path: Path) -> Path:
    """Write the export to `path`: Parquet (`vector` lists), or CSV (`e0..`) for `.csv`.

    Raises:
        ConfigError: a file name that ends in neither `.parquet` nor `.csv`.
    """
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ConfigError(f"{path.name}: write shopper vectors to a .parquet or a .csv file")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if suffix == ".parquet":
        pq.write_table(vectors_table(vectors), tmp)
    else:
        tmp.write_bytes(csv_bytes(vectors_frame(vectors)))
    os.replace(tmp, path)
    return path


def _cache_key(loaded: LoadedRun, kind: str = "next") -> str:
    """The checkpoint file's identity and a digest of the histories the vectors read (a
    dataset replaced under the same name, even with the same counts, changes it)."""
    weights = loaded.info.best_dir / "model.safetensors"
    stat = weights.stat() if weights.is_file() else None
    seqs = loaded.prepared.data.sequences
    digest = hashlib.blake2b(digest_size=16)
    for part in (seqs.offsets, seqs.items, seqs.event_types):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update("\n".join(loaded.prepared.data.users.tokens).encode())
    identity = (str(weights), stat and (stat.st_size, stat.st_mtime_ns), digest.hexdigest())
    return repr(identity) if kind == "next" else repr((*identity, kind))


def _read_cache(path: Path, key: str, loaded: LoadedRun) -> np.ndarray | None:
    try:
        table = pq.read_table(path, columns=["user_id", "vector"])
    except (OSError, pa.ArrowException):
        return None
    meta = table.schema.metadata or {}
    if meta.get(_KEY) != key.encode():
        return None
    if table.column("user_id").to_pylist() != list(loaded.prepared.data.users.tokens):
        return None
    column = table.column("vector").combine_chunks()
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
    return values.reshape(len(table), -1) if len(table) else None


def cache_is_fresh(loaded: LoadedRun, kind: str = "next") -> bool:
    """True when the run's cached vectors of `kind` match its checkpoint and data (reads
    only the file's footer, so a page can tell whether computing them is still ahead)."""
    path = loaded.info.best_dir.parent / CACHE_FILES[kind]
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    return meta.get(_KEY) == _cache_key(loaded, kind).encode()


def shopper_vectors(
    loaded: LoadedRun,
    *,
    kind: str = "next",
    progress: Progress | None = None,
    cache: bool = True,
) -> ShopperVectors:
    """`compute_shopper_vectors`, read from the run's cache when it matches.

    The cache is written atomically (a temporary file, then a rename); a damaged or
    stale one is recomputed and replaced.

    Raises:
        RunError: the run's model is a baseline.
        ConfigError: an unknown kind.
    """
    require_representations(loaded)
    check_kind(kind)
    path = loaded.info.best_dir.parent / CACHE_FILES[kind]
    key = _cache_key(loaded, kind)
    cached = _read_cache(path, key, loaded) if cache and path.is_file() else None
    if cached is not None:
        if progress is not None:
            progress(1.0, f"Representations of {len(cached):,} shoppers read from the cache")
        return _with_items(loaded, cached, kind)
    vectors = compute_shopper_vectors(loaded, kind=kind, progress=progress)
    if cache:
        table = vectors_table(vectors)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _KEY: key})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    return vectors
