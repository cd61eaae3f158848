"""The app as a whole: every page opens from app.py; seqrec_core imports without Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from seqrec_core import Workspace
from seqrec_core.ingest.sample import ensure_sample

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"
PAGES = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "pages").glob("*.py"))
TIMEOUT = 120  # seconds; cold imports (torch on the model pages) are slow


pytestmark = pytest.mark.usefixtures("apptest_runs_app_py_every_time")


@pytest.fixture(scope="module")
def sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("app-smoke") / "workspace"
    ensure_sample(Workspace.open(root))
    return root


def test_there_are_pages() -> None:
    assert "pages/data.py" in PAGES


@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_in_the_navigation_and_opens(
    page: str, sample_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """switch_page raises ValueError for a file st.navigation does not register."""
    monkeypatch.setenv("SEQREC_WORKSPACE", str(sample_workspace))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, f"{page} has no title"
    assert at.session_state["dataset"] == "sample-shop"  # the sidebar is drawn on every page


def test_the_sidebar_shows_the_workspace_and_the_dataset_picker(
    sample_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEQREC_WORKSPACE", str(sample_workspace))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    picker = at.sidebar.selectbox(key="dataset")
    assert picker.label == "Dataset"
    assert "sample-shop" in picker.options
    assert any(str(sample_workspace.resolve()) in c.value for c in at.sidebar.caption)


def test_importing_seqrec_core_does_not_import_streamlit() -> None:
    """Only seqrec_core.ui may import streamlit (CLI, notebooks and workers stay light)."""
    # iter_modules, not walk_packages: walking imports every subpackage, seqrec_core.ui too.
    code = (
        "import importlib, pkgutil, sys\n"
        "import seqrec_core\n"
        "todo = [('seqrec_core', seqrec_core.__path__)]\n"
        "while todo:\n"
        "    prefix, path = todo.pop()\n"
        "    for mod in pkgutil.iter_modules(path, prefix + '.'):\n"
        "        if mod.name in ('seqrec_core.ui', 'seqrec_core.__main__'):\n"
        "            continue\n"
        "        module = importlib.import_module(mod.name)\n"
        "        assert 'streamlit' not in sys.modules, mod.name\n"
        "        if mod.ispkg:\n"
        "            todo.append((mod.name, module.__path__))\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
