"""Fixtures shared by the whole suite: a throw-away workspace per test.

No test ever touches the developer's own `workspace/`: for the whole session
`SEQREC_WORKSPACE` points into pytest's temporary folder, and the `workspace` fixture
gives a test a fresh, empty one of its own. Browser tests (tests/e2e/) are marked `e2e`
and run last, so quick failures show first. Keep this file small: fixtures that serve one
test module belong in that module. Page tests (AppTest) use `apptest_runs_app_py_every_time`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test

from seqrec_core.store import Workspace

E2E_DIR = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/e2e as `e2e` and move it to the end of the run."""
    browser_tests = [item for item in items if E2E_DIR in item.path.parents]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    others = [item for item in items if E2E_DIR not in item.path.parents]
    items[:] = others + browser_tests


@pytest.fixture(scope="session", autouse=True)
def _isolated_default_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the default workspace (env SEQREC_WORKSPACE) away from the repository."""
    root = tmp_path_factory.mktemp("default-workspace")
    previous = os.environ.get("SEQREC_WORKSPACE")
    os.environ["SEQREC_WORKSPACE"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("SEQREC_WORKSPACE", None)
    else:
        os.environ["SEQREC_WORKSPACE"] = previous


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, not yet created workspace folder, also set as env SEQREC_WORKSPACE."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("SEQREC_WORKSPACE", str(root))
    return root


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, opened workspace of the test's own."""
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def apptest_runs_app_py_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work around AppTest (streamlit 1.67) with st.navigation beside a `pages/` folder.

    Before every run AppTest resets `PagesManager.uses_pages_directory` to None, which the
    new PagesManager turns into True because `pages/` exists; every run after the first
    then executes the page file alone (the old pages-folder mode), skipping app.py and its
    sidebar. The real server sets the flag once, to False, at the first st.navigation.
    """

    class _PagesManager(PagesManager):  # AppTest's reset now hits this subclass only
        pass

    monkeypatch.setattr(app_test, "PagesManager", _PagesManager)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
