"""The Streamlit server settings shipped in `.streamlit/config.toml` (beside app.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from streamlit.config import ShowErrorDetailsConfigOptions

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / ".streamlit" / "config.toml"

# Run in a fresh interpreter: the option is read once per process, and this test must not
# change it for the page tests that share the pytest process.
_PROBE = """
import json, sys
from streamlit import config
from streamlit.testing.v1 import AppTest

config._main_script_path = sys.argv[1]  # what `streamlit run app.py` sets
at = AppTest.from_string('raise RuntimeError("boom in /srv/seqrec/secret/path.py")').run()
shown = at.exception[0]
print(json.dumps({
    "option": config.get_option("client.showErrorDetails"),
    "message": shown.message,
    "stack_trace": list(shown.stack_trace),
    "type": shown.proto.type,
}))
"""


def _probe(code: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> dict:
    """Run `code` in a fresh interpreter; the JSON object its last line printed."""
    probe = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(probe.stdout.strip().splitlines()[-1])


def test_error_details_are_hidden_from_the_browser() -> None:
    settings = tomllib.loads(CONFIG.read_text())
    assert settings["client"]["showErrorDetails"] == "none"
    assert ShowErrorDetailsConfigOptions("none")  # a value streamlit 1.67 accepts


def test_a_bug_shows_no_traceback_or_server_path(tmp_path: Path) -> None:
    """Regression: `showErrorDetails` was left at "full", so an unexpected exception showed
    its message and traceback, server paths included, in the browser."""
    env = {**os.environ, "HOME": str(tmp_path)}  # no developer's own ~/.streamlit config
    # The settings beside app.py apply wherever the server starts.
    shown = _probe(_PROBE, str(REPO / "app.py"), cwd=tmp_path, env=env)
    assert shown["option"] == "none"
    assert shown["stack_trace"] == [] and shown["type"] == ""
    assert "/srv/" not in shown["message"] and "boom" not in shown["message"]


def test_the_server_runs_no_full_garbage_collection_after_each_run() -> None:
    """A full collection per run cost about 0.5 s with a model and a graph in memory."""
    assert tomllib.loads(CONFIG.read_text())["runner"]["postScriptGC"] is False


_WARM_UP_PROBE = """
import json, sys
from seqrec_core.ui import serve
heavy = {"torch", "transformers", "networkx", "captum"}
before = heavy & set(sys.modules)
failed = serve.warm_up()
after = heavy & set(sys.modules)
print(json.dumps({"before": sorted(before), "after": sorted(after), "failed": failed,
                  "missing": serve.warm_up(["seqrec_core.ui.no_such_page"])}))
"""


def test_the_warm_up_imports_the_heavy_libraries_of_the_pages() -> None:
    shown = _probe(_WARM_UP_PROBE, cwd=REPO)
    assert shown["before"] == []  # importing serve itself stays light
    assert shown["after"] == ["captum", "networkx", "torch", "transformers"]
    assert shown["failed"] == []
    assert shown["missing"] == ["seqrec_core.ui.no_such_page"]  # reported, not raised


def test_metric_values_are_sized_to_fit_five_tiles_at_1280_px() -> None:
    """Regression: "succeeded" (Train) and "12 months" (Data) were cut off at 2.25rem."""
    size = tomllib.loads(CONFIG.read_text())["theme"]["metricValueFontSize"]
    assert size.endswith("rem") and float(size.removesuffix("rem")) <= 1.75


_THREADS_PROBE = """
import json, torch
default = torch.get_num_threads()
from seqrec_core.training import devices
from seqrec_core.ui import serve
serve.prepare_server([])
print(json.dumps({"default": default, "serving": torch.get_num_threads(),
                  "training": devices.TRAINING_THREADS,
                  "device": devices.describe_device("cpu")}))
"""


def _threads(setting: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SEQREC_SERVE_THREADS"}
    if setting is not None:
        env["SEQREC_SERVE_THREADS"] = setting
    return _probe(_THREADS_PROBE, cwd=REPO, env=env)


def test_the_server_runs_torch_on_one_thread_and_reports_the_training_threads() -> None:
    shown = _threads(None)
    assert shown["serving"] == 1
    assert shown["training"] == shown["default"]  # workers are fresh processes
    plural = "threads" if shown["default"] > 1 else "thread"
    assert shown["device"].endswith(f", {shown['default']} {plural})")


def test_the_server_threads_follow_the_setting_and_a_bad_one_keeps_the_default() -> None:
    assert _threads("3")["serving"] == 3
    for bad in ("0", "two", "-1"):
        shown = _threads(bad)
        assert shown["serving"] == shown["default"]
