"""What the browser benchmarks share: the sample shop prepared through the CLI, the app served.

`concurrency.py` imports it (run as a script, `benchmarks/` is on the path), and so can any
browser benchmark:
`cli` runs one `python -m seqrec_core ... --json` command, `prepare` ingests the bundled
sample and trains SASRec once per workspace (reused with `--keep`), `serve` starts the app on
a loopback port and waits for its health endpoint.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
DATASET = "sample-shop"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
START_TIMEOUT_S = 180.0


def cli(workspace: Path, *args: str) -> dict:
    """`python -m seqrec_core ... --json`, its JSON answer (progress goes to stderr)."""
    command = [sys.executable, "-m", "seqrec_core", *args, "--workspace", str(workspace), "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed:\n{done.stdout}\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def prepare(workspace: Path, epochs: int, train_args: Sequence[str] = ()) -> str:
    """The sample shop ingested and a SASRec run trained (reused when the workspace has them).

    Args:
        train_args: more `train` flags, e.g. ("--item-text", "off").

    Returns:
        The id of the SASRec run.
    """
    if not any(d["name"] == DATASET for d in cli(workspace, "datasets")["datasets"]):
        cli(workspace, "ingest", str(SAMPLE / "events.csv.gz"), "--name", DATASET,
            "--items", str(SAMPLE / "items.csv"))  # fmt: skip
    runs = [r for r in cli(workspace, "runs")["runs"] if r["status"] == "succeeded"]
    if not any(r["model"] == "sasrec" for r in runs):
        cli(workspace, "train", "--dataset", DATASET, "--model", "sasrec",
            "--epochs", str(epochs), "--device", "cpu", *train_args)  # fmt: skip
        runs = [r for r in cli(workspace, "runs")["runs"] if r["status"] == "succeeded"]
    return next(r["run"] for r in runs if r["model"] == "sasrec")


def shopper_counts(workspace: Path):
    """Events per shopper of the sample dataset (a pandas Series), most active first."""
    sys.path.insert(0, str(ROOT))
    from seqrec_core.store import Workspace

    events = Workspace.open(workspace).read_events(DATASET, columns=["user_id"])
    return events["user_id"].value_counts()


def scratch_folder(keep: Path | None, prefix: str) -> Path:
    """`keep` (created when missing, reused with its workspace), or a new temporary folder."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(
    workspace: Path, port: int, log: Path, script: Path | None = None, env: dict | None = None
) -> subprocess.Popen:
    """The app on 127.0.0.1:`port` over `workspace`, once its health endpoint answers.

    Args:
        script: another Streamlit script to serve instead of the app (`streamlit run`).
        env: more environment variables for the server.

    Raises:
        SystemExit: it exited or did not answer within START_TIMEOUT_S (with the log's end).
    """
    env = {**os.environ, **(env or {}), "SEQREC_WORKSPACE": str(workspace)}
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    start = ["seqrec_core.ui.serve"] if script is None else ["streamlit", "run", str(script)]
    command = [sys.executable, "-m", *start, "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(
                    f"the app did not start; log:\n{log.read_text()[-3000:]}"
                ) from None
            time.sleep(0.5)  # polling a port


def stop(server: subprocess.Popen) -> None:
    """Stop the app `serve` started: terminate, then kill after 20 s."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
