"""What interrupted work leaves behind, deleted once it is clearly abandoned.

An ingest that is killed leaves its `.staging-*` folder and `.partial` upload copies; a
browser tab that closes mid-upload leaves its temporary file. Each is removed once nobody
has written to it for `STALE_SECONDS`: work still running keeps writing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from pathlib import Path

# Leftovers nobody has written to for this long belong to interrupted work.
STALE_SECONDS = 3600.0


def remove_stale(paths: Iterable[Path], max_age_seconds: float = STALE_SECONDS) -> list[Path]:
    """Delete those files or folders of `paths` that nobody has written to for a while.

    Args:
        paths: candidate leftovers (files or folders).
        max_age_seconds: how long since the newest write, in the entry or (for a folder)
            anywhere inside it, before it counts as abandoned.

    Returns:
        The removed paths; one that vanished or could not be removed meanwhile is skipped.
    """
    cutoff = time.time() - max_age_seconds
    removed = []
    for path in paths:
        try:
            if _last_write(path) >= cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:  # removed by another process meanwhile, or not ours to remove
            continue
        removed.append(path)
    return removed


def _last_write(path: Path) -> float:
    """The newest modification time of a file, or of a folder and everything inside it."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for inner in path.rglob("*"):
            newest = max(newest, inner.lstat().st_mtime)
    return newest
