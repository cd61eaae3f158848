"""Small helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
# AppTest's 3 s default is far too short for a cold start (torch, networkx, the sample).
APPTEST_TIMEOUT = 120


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


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """A fresh session of the app (app.py, so the sidebar runs too) on `page`.

    Args:
        page: the page file, e.g. "pages/train.py".
        query: URL query parameters of the first request (a deep link).

    Raises:
        AssertionError: the app or the page raised.
    """
    at = AppTest.from_file(str(APP), default_timeout=APPTEST_TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def markdown_text(at: AppTest) -> str:
    """All markdown of the page, one element per line."""
    return "\n".join(str(m.value) for m in at.markdown)
