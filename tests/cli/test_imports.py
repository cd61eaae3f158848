"""The quick commands stay quick: they, the parser and `import seqrec_core` load no torch.

Each check runs in a fresh interpreter, because this test process has long since imported
torch for other tests. A probe runs one command through `cli.main.main` and prints, as
its last stdout line, which heavy modules ended up in `sys.modules`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seqrec_core import models
from seqrec_core.models import MODELS
from seqrec_core.models.names import MODEL_HELP, MODEL_NAMES

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "captum")

_PROBE = """
import json, sys
from seqrec_core.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help and usage errors exit
    code = exc.code
print(json.dumps({"code": code, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def _probe(*argv: str) -> dict:
    """Run one command in a fresh interpreter: its exit code and the heavy modules loaded."""
    script = f"HEAVY = {HEAVY!r}\n{_PROBE}"
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A workspace with a 7-event, 3-item dataset `tiny`, and the `ingest` probe's answer."""
    folder = tmp_path_factory.mktemp("cli-imports")
    events = folder / "events.csv"
    events.write_text(
        "user_id,item_id,timestamp,event_type\n"
        "u1,i1,2024-01-01 10:00,view\n"
        "u1,i2,2024-01-01 10:05,cart\n"
        "u1,i2,2024-01-01 10:06,purchase\n"
        "u2,i1,2024-01-02 09:00,view\n"
        "u2,i3,2024-01-02 09:01,view\n"
        "u3,i3,2024-01-03 12:00,view\n"
        "u3,i2,2024-01-03 12:02,purchase\n"
    )
    items = folder / "items.csv"
    items.write_text(
        "item_id,title,category,brand,price\n"
        "i1,Camera,electronics.camera,acme,199\n"
        "i2,Memory card,electronics.storage,acme,19\n"
        "i3,Tripod,electronics.camera,zeta,49\n"
    )
    root = folder / "ws"
    answer = _probe(
        "ingest", str(events), "--items", str(items), "--name", "tiny", "--workspace", str(root)
    )
    return root, answer


def test_ingest_loads_no_torch(ingested: tuple[Path, dict]) -> None:
    _, answer = ingested
    assert answer == {"code": 0, "heavy": []}


def test_profile_loads_no_torch(ingested: tuple[Path, dict]) -> None:
    root, _ = ingested
    answer = _probe(
        "profile", "--workspace", str(root), "--dataset", "tiny", "--user", "u1", "--json"
    )
    assert answer == {"code": 0, "heavy": []}


@pytest.mark.parametrize("command", ["datasets", "runs"])
def test_listing_an_empty_workspace_loads_no_torch(command: str, tmp_path: Path) -> None:
    assert _probe(command, "--workspace", str(tmp_path), "--json") == {"code": 0, "heavy": []}


def test_cancel_loads_no_torch(tmp_path: Path) -> None:
    """Cancelling answers at once: it signals the worker, it does not import training."""
    answer = _probe("cancel", "--workspace", str(tmp_path), "--run", "nope", "--json")
    assert answer == {"code": 1, "heavy": []}  # an unknown run is an error, still light


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["explain", "--help"]])
def test_the_parser_loads_no_torch(argv: list[str]) -> None:
    """Choices (models, devices, splits, explain methods) come from torch-free modules."""
    assert _probe(*argv) == {"code": 0, "heavy": []}


def test_import_seqrec_core_loads_no_torch_or_streamlit() -> None:
    script = (
        "import sys, seqrec_core\n"
        "print([m for m in ('torch', 'transformers', 'streamlit') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_model_names_match_the_registry() -> None:
    """The torch-free names the parser offers are exactly the registry's, in its order."""
    assert tuple(MODELS) == MODEL_NAMES
    assert set(MODEL_HELP) == set(MODEL_NAMES)


def test_every_lazy_model_name_resolves() -> None:
    for name in models.__all__:
        assert getattr(models, name) is not None, name
