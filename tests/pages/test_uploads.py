"""Temporary upload files: those of sessions that ended are removed, those in use are kept."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import streamlit as st

from seqrec_core.ingest.leftovers import STALE_SECONDS
from seqrec_core.ui import uploads


@dataclass
class _Uploaded:
    name: str
    file_id: str
    data: bytes

    def getbuffer(self) -> memoryview:
        return memoryview(self.data)


def _age(path: Path, seconds: float) -> Path:
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


@pytest.fixture
def upload_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setattr(uploads, "UPLOAD_DIR", folder)
    monkeypatch.setattr(st, "session_state", {})  # bare mode: a plain dict will do
    return folder


def test_uploads_of_ended_sessions_are_removed(upload_dir: Path) -> None:
    """Regression: every temp upload (and `.partial` write) of a closed tab or a killed
    server stayed in the temp folder forever."""
    old = _age(uploads.write_upload(b"a,b\n", "old.csv"), 2 * STALE_SECONDS)
    partial = upload_dir / ".deadbeef.csv.partial"  # a write cut short
    partial.write_bytes(b"a,")
    _age(partial, 2 * STALE_SECONDS)
    fresh = uploads.write_upload(b"a,b\n", "fresh.csv")
    assert sorted(uploads.remove_stale_uploads()) == sorted([old, partial])
    assert fresh.exists() and not old.exists()


def test_an_upload_in_use_is_kept_and_a_removed_one_written_again(upload_dir: Path) -> None:
    events = _Uploaded("shop.csv", "id-1", b"user_id,item_id\nu1,i1\n")
    path = uploads.stash_upload("events", events)
    _age(path, 2 * STALE_SECONDS)
    assert uploads.stash_upload("events", events) == path  # a rerun: in use again
    assert uploads.remove_stale_uploads() == [] and path.exists()
    _age(path, 2 * STALE_SECONDS)  # the tab sat idle for hours
    uploads.remove_stale_uploads()
    again = uploads.stash_upload("events", events)
    assert again != path and again.read_bytes() == events.data
