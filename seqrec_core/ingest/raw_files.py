"""Raw files from users: content hashes, sizes and harmless file names.

A user's file name is display text, never a path: `safe_filename` reduces it to a name
that cannot leave the folder it is written into.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_path(path: Path) -> str:
    """sha256 of a file, or of a folder's files (their relative names and contents)."""
    if not path.is_dir():
        return sha256_file(path)
    digest = hashlib.sha256()
    for member in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{member.relative_to(path).as_posix()}\0{sha256_file(member)}\n".encode())
    return digest.hexdigest()


def path_size(path: Path) -> int:
    """Bytes of a file, or of all files in a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def safe_filename(name: str) -> str:
    """A display name reduced to a harmless file name (no folders, no odd characters)."""
    base = Path(str(name).replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return cleaned[:120]
