"""Small helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` in `encoding` (exact bytes, no newline translation)."""
    path.write_bytes(text.encode(encoding))
    return path


def wait_until(predicate: Callable[[], bool], timeout: float = 180.0) -> None:
    """Poll `predicate` until it holds: a real process is working (no fixed sleeps).

    Raises:
        AssertionError: it did not hold within `timeout` seconds (a hung job, not a
            timing expectation: the bound only keeps a broken test from waiting forever).
    """
    give_up = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > give_up:
            raise AssertionError(f"condition not reached within {timeout:.0f} s")
        time.sleep(0.2)
