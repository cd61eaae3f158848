"""Browser end-to-end harness: the real app in a subprocess, driven by Debian's chromium.

`app_url` starts `streamlit run app.py` once per test module on a free loopback port with a
fresh workspace and waits for its health endpoint; `page` opens a new browser tab for one
test and, when the test fails, saves a screenshot to the temp folder and names the server
log. Chromium is `SEQREC_CHROMIUM` or /usr/bin/chromium (`make test` installs Debian's
package). Without it the tests are skipped on a developer machine and fail in CI (CI set).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT_S = 180  # a bounded wait for the health endpoint, not an assertion
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = (
    "install Debian's chromium (`sudo apt-get install chromium`, or run `make test` as root) "
    "or set SEQREC_CHROMIUM to a chromium executable"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Fail in CI, where the browser test is mandatory; skip on a developer machine."""
    if _in_ci():
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser test skipped: {reason}")


def _chromium_path() -> str | None:
    configured = os.environ.get("SEQREC_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(path: Path, lines: int = 60) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The chromium binary Playwright launches; skips or fails (CI) when there is none."""
    path = _chromium_path()
    if path is None:
        wanted = os.environ.get("SEQREC_CHROMIUM") or "/usr/bin/chromium"
        _unavailable(f"no chromium at {wanted}; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-server") / "streamlit.log"


# Module scope, not session: the server and Playwright's event loop are gone before the
# rest of the suite runs (2 cores; asyncio code in other tests must see no running loop).
@pytest.fixture(scope="module")
def app_url(
    chromium_executable: str, tmp_path_factory: pytest.TempPathFactory, server_log: Path
) -> Iterator[str]:
    """Serve the real app on a free port with an empty workspace; yield its base URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env["SEQREC_WORKSPACE"] = str(tmp_path_factory.mktemp("e2e-workspace"))
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    # Loopback only; an explicit address also stops Streamlit's public-IP lookup at start.
    command = [
        sys.executable,
        "-m",
        "seqrec_core.ui.serve",  # `streamlit run app.py`, deep links fixed (see there)
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with server_log.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None:
                pytest.fail(
                    f"the app exited with code {process.returncode} before answering "
                    f"{url}/_stcore/health; server log ({server_log}):\n{_log_tail(server_log)}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app did not answer {url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT_S} s; server log ({server_log}):\n"
                    f"{_log_tail(server_log)}",
                    pytrace=False,
                )
            time.sleep(0.5)  # polling a port, not waiting on the page
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[object]:
    """One headless chromium per test module (Playwright's sync API)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the python package playwright is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item so `page` can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    browser, app_url: str, server_log: Path, request: pytest.FixtureRequest
) -> Iterator[object]:
    """A fresh tab (own context) on the app; on failure a screenshot goes to $TMPDIR."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot = Path(tempfile.gettempdir()) / f"seqrec-e2e-{request.node.name}.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the failure: {shot}")
        except Exception as error:  # a crashed tab must not hide the test's own failure
            print(f"\nno screenshot ({error})")
        print(f"server log: {server_log}\n{_log_tail(server_log, 30)}")
    context.close()
