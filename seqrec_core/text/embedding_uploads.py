"""Item embeddings files uploaded to a workspace: saved under a generated name, then checked.

An upload is stored as `<workspace>/embeddings/<sha256 of its bytes><suffix>`; the user's
file name decides only the suffix (from a short allow-list) and is otherwise a display
name, kept in a `<sha256>.json` note beside the file with the file's size. Both are written
to a temporary file and renamed, so a reader never sees half a file; the same bytes
uploaded twice are one file. A file is kept only once `user_embeddings` has read it
without error, so every listed upload can be given to a training run as `item_text`.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from seqrec_core.errors import InputError
from seqrec_core.store import Workspace
from seqrec_core.text.user_embeddings import (
    EmbeddingsCoverage,
    coverage,
    read_user_embeddings,
)

EMBEDDINGS_DIR = "embeddings"  # inside the workspace
# What `item_vectors.check_item_text` accepts as an embeddings file, longest first.
UPLOAD_SUFFIXES = (".csv.gz", ".tsv.gz", ".parquet", ".csv", ".tsv")
_MAX_NAME = 120  # characters of a display name kept


@dataclass(frozen=True)
class EmbeddingsUpload:
    """One accepted embeddings file of the workspace."""

    path: Path  # the stored file (a generated name); what a run's `item_text` names
    name: str  # the file name the user uploaded it as (display only)
    sha256: str
    items: int  # rows (items) in the file
    dim: int  # width of the vectors
    uploaded_at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class EmbeddingsReport:
    """An upload and how its ids meet a dataset's items."""

    upload: EmbeddingsUpload
    coverage: EmbeddingsCoverage


def embeddings_dir(workspace: Workspace) -> Path:
    """The folder of the workspace's uploaded embeddings files."""
    return workspace.root / EMBEDDINGS_DIR


def upload_suffix(display_name: str) -> str:
    """The stored file's suffix, from the uploaded file's name.

    Raises:
        InputError: the name ends in none of `UPLOAD_SUFFIXES`.
    """
    lowered = str(display_name).lower()
    for suffix in UPLOAD_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise InputError(
        "item embeddings must be a Parquet or CSV file",
        file=_display(display_name),
        hint=f"save them as one of {', '.join(sorted(UPLOAD_SUFFIXES))}",
    )


def _display(display_name: str) -> str:
    """The file name alone (no folders), shortened: shown to people, never used as a path."""
    name = str(display_name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "embeddings")[:_MAX_NAME]


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def save_upload(workspace: Workspace, data: bytes, display_name: str) -> Path:
    """Store the uploaded bytes as `embeddings/<sha256><suffix>` (once) and return that path.

    Raises:
        InputError: the file name has no Parquet or CSV suffix.
    """
    suffix = upload_suffix(display_name)
    folder = embeddings_dir(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if not path.is_file() or path.stat().st_size != len(data):
        _write_atomically(path, bytes(data))
    return path


def add_upload(
    workspace: Workspace, data: bytes, display_name: str, item_ids: Sequence[str]
) -> EmbeddingsReport:
    """Save an uploaded embeddings file, read it, and report it against `item_ids`.

    Args:
        data: the file's bytes.
        display_name: the file's name on the user's computer (messages and lists only).
        item_ids: the dataset's items (`dataset_items`).

    Raises:
        InputError: not a Parquet/CSV name, or the file is no valid embeddings file (the
            error names the line and column); the file is not kept then.
    """
    path = save_upload(workspace, data, display_name)
    shown = _display(display_name)
    try:
        embeddings = read_user_embeddings(path, display_name=shown)
    except InputError:
        if not _note_path(path).is_file():
            path.unlink(missing_ok=True)
        raise
    upload = EmbeddingsUpload(
        path=path,
        name=shown,
        sha256=path.name.split(".", 1)[0],
        items=len(embeddings.item_ids),
        dim=embeddings.dim,
        uploaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    note = {**asdict(upload), "path": path.name}
    _write_atomically(_note_path(path), json.dumps(note, indent=1).encode("utf-8"))
    return EmbeddingsReport(upload, coverage(embeddings, list(item_ids)))


def _note_path(path: Path) -> Path:
    return path.with_name(path.name.split(".", 1)[0] + ".json")


def _read_note(note: Path) -> EmbeddingsUpload | None:
    try:
        fields = json.loads(note.read_text(encoding="utf-8"))
        path = note.parent / Path(str(fields["path"])).name
        upload = EmbeddingsUpload(**{**fields, "path": path})
    except (OSError, ValueError, TypeError, KeyError):
        return None  # a damaged note: the file is simply not offered
    return upload if path.is_file() else None


def list_uploads(workspace: Workspace) -> list[EmbeddingsUpload]:
    """The workspace's accepted embeddings files, the latest upload first."""
    folder = embeddings_dir(workspace)
    if not folder.is_dir():
        return []
    found = [_read_note(note) for note in folder.glob("*.json")]
    uploads = [upload for upload in found if upload is not None]
    return sorted(uploads, key=lambda upload: (upload.uploaded_at, upload.name), reverse=True)


def find_upload(workspace: Workspace, path: str | Path) -> EmbeddingsUpload | None:
    """The upload stored at `path` (a run's `item_text`), or None for any other path."""
    wanted = Path(path).name
    return next((u for u in list_uploads(workspace) if u.path.name == wanted), None)


def report_upload(upload: EmbeddingsUpload, item_ids: Sequence[str]) -> EmbeddingsReport:
    """How an accepted upload's ids meet `item_ids` (another dataset's items, say).

    Raises:
        InputError: the stored file no longer reads (it was changed on disk).
    """
    embeddings = read_user_embeddings(upload.path, display_name=upload.name)
    return EmbeddingsReport(upload, coverage(embeddings, list(item_ids)))


def dataset_items(workspace: Workspace, dataset: str) -> list[str]:
    """The distinct items of a dataset's events, sorted: what a model's vocabulary holds."""
    events = workspace.read_events(dataset, columns=["item_id"])
    return sorted(events["item_id"].astype("string").dropna().unique().tolist())
