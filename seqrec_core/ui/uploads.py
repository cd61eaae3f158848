"""Uploaded files on disk: each upload is written once to a temporary file whose name is a
random id plus a sanitised extension, never the user's file name.

The user's file name is only a display name (messages, the archive's record). The temp
path is kept in session state (a string) per uploader, keyed by the upload's file id, so
reruns do not write the bytes again.

Temp files of sessions that ended (closed tabs, killed servers) would stay forever, so
`remove_stale_uploads` deletes those nobody has used for an hour; every rerun that uses a
file refreshes its time, and a file removed under an idle session is written again from
the uploader's bytes on its next rerun.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import uuid
from pathlib import Path
from typing import Protocol

import streamlit as st

from seqrec_core.ingest.leftovers import remove_stale
from seqrec_core.ingest.raw_files import sha256_file
from seqrec_core.store import Workspace

UPLOAD_DIR = Path(tempfile.gettempdir()) / "seqrec-uploads"
# Suffixes that carry a compression layer; the suffix before them is kept as well.
_COMPRESSION = {".gz", ".bz2", ".zst", ".xz", ".zip"}
_SUFFIX_RE = re.compile(r"^\.[a-z0-9]{1,10}$")
_STATE_PREFIX = "_upload_"


class UploadedFileLike(Protocol):
    """What we use of Streamlit's `UploadedFile`."""

    name: str
    file_id: str

    def getbuffer(self) -> memoryview: ...


def safe_suffix(display_name: str) -> str:
    """The file's extension, lower-cased and reduced to letters and digits ('' if odd).

    `events.CSV.gz` → `.csv.gz`; `../../etc/passwd` → ``; `a.b c.csv` → `.csv`.
    """
    suffixes = [s.lower() for s in Path(str(display_name).replace("\\", "/")).suffixes]
    kept: list[str] = []
    for suffix in reversed(suffixes):
        if not _SUFFIX_RE.match(suffix):
            break
        kept.insert(0, suffix)
        if suffix not in _COMPRESSION or len(kept) == 2:
            break
    return "".join(kept)


def write_upload(data: bytes | memoryview, display_name: str, folder: Path | None = None) -> Path:
    """Write bytes to `folder/<random hex><safe suffix>` (default `UPLOAD_DIR`) and return
    that path."""
    folder = folder or UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}{safe_suffix(display_name)}"
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as handle:
        handle.write(data)
    partial.replace(target)
    return target


def stash_upload(key: str, uploaded: UploadedFileLike | None) -> Path | None:
    """The temp path of the file in uploader `key` (written on first sight), or None.

    A different file in the same uploader replaces (and deletes) the previous temp file.
    """
    slot = _STATE_PREFIX + key
    saved = st.session_state.get(slot)
    if uploaded is None:
        if saved:
            discard_upload(key)
        return None
    if saved and saved["file_id"] == uploaded.file_id and _touch(Path(saved["path"])):
        return Path(saved["path"])
    if saved:
        discard_upload(key)
    remove_stale_uploads()
    path = write_upload(uploaded.getbuffer(), uploaded.name)
    st.session_state[slot] = {"file_id": uploaded.file_id, "path": str(path)}
    return path


def discard_upload(key: str) -> None:
    """Delete uploader `key`'s temp file (after ingest, or when the file is removed)."""
    saved = st.session_state.pop(_STATE_PREFIX + key, None)
    if saved:
        path = Path(saved["path"])
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _touch(path: Path) -> bool:
    """Mark a temp upload as in use (so it is not stale); False if it is gone."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def remove_stale_uploads(folder: Path | None = None) -> list[Path]:
    """Delete the temp uploads (and `.partial` writes) in `folder` (default `UPLOAD_DIR`)
    that no session has used for an hour; returns the removed paths."""
    folder = folder or UPLOAD_DIR
    if not folder.is_dir():
        return []
    return remove_stale(folder.iterdir())


def default_dataset_name(display_name: str) -> str:
    """A valid dataset name from a file name: `shop log (May).csv.gz` → `shop-log-May`."""
    stem = Path(str(display_name).replace("\\", "/")).name
    suffix = safe_suffix(stem)
    if suffix and stem.lower().endswith(suffix):
        stem = stem[: -len(suffix)]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_stem).strip("-_.")
    return name[:56] or "dataset"


def suggest_name(workspace: Workspace, path: Path, display_name: str) -> str:
    """The name to offer for an upload: the dataset already made from the same bytes (so
    submitting again reuses it), else a free name derived from the file name."""
    same = workspace.datasets_from_source(_sha256(str(path)))
    if same:
        return same[0].name
    taken = {info.name for info in workspace.list_datasets()}
    base = default_dataset_name(display_name)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


@st.cache_data(max_entries=16, show_spinner=False)
def _sha256(path: str) -> str:
    # Temp paths are random per upload, so the path identifies the bytes.
    return sha256_file(Path(path))
