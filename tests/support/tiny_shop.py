"""A tiny learnable shop with a catalog, and real runs trained on it in seconds.

29 users walk a ring of 17 items (item k is followed by item k + 1) with view/cart
events; the catalog gives every item a title, a two-level category and a brand. Runs are
trained in-process through the CLI (`python -m seqrec_core train`), so a test has a
finished run with a saved model without waiting for a worker process.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd

from seqrec_core.cli import main
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.store import Workspace

DATASET = "tiny"
USERS, ITEMS, EVENTS = 29, 17, 8


def write_tiny_shop(folder: Path) -> tuple[Path, Path]:
    """Write `events.csv` and `items.csv` into `folder`; return their paths."""
    rows = [
        (
            f"u{u:02d}",
            f"i{(u * 3 + s) % ITEMS + 1:02d}",
            f"2026-02-01T10:{s:02d}:00Z",
            "cart" if (u + s) % 3 == 0 else "view",
        )
        for u in range(USERS)
        for s in range(EVENTS)
    ]
    events = folder / "events.csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event_type"]).to_csv(
        events, index=False
    )
    catalog = pd.DataFrame(
        {
            "item_id": [f"i{k:02d}" for k in range(1, ITEMS + 1)],
            "title": [f"Gadget {k} {'Pro' if k % 2 else 'Lite'}" for k in range(1, ITEMS + 1)],
            "category": [
                f"{'Home' if k % 3 else 'Garden'} > {'Tools' if k % 2 else 'Decor'}"
                for k in range(1, ITEMS + 1)
            ],
            "brand": [f"Brand{k % 4}" for k in range(1, ITEMS + 1)],
        }
    )
    items = folder / "items.csv"
    catalog.to_csv(items, index=False)
    return events, items


def tiny_workspace(root: Path) -> Workspace:
    """A workspace at `root` holding the tiny shop as dataset `tiny`."""
    root.mkdir(parents=True, exist_ok=True)
    events, items = write_tiny_shop(root)
    workspace = Workspace.open(root / "ws")
    ingest(events, workspace, DATASET, items_path=items)
    return workspace


def train_run(workspace: Workspace, model: str, *settings: str, epochs: int = 3) -> str:
    """Train `model` on the tiny shop in this process; the run id.

    Args:
        settings: `FIELD=VALUE` model or training settings (`--set`).
    """
    argv = ["train", "--workspace", str(workspace.root), "--dataset", DATASET]
    argv += ["--model", model, "--epochs", str(epochs), "--device", "cpu", "--json"]
    for item in settings:
        argv += ["--set", item]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main.main(argv)
    answer = json.loads(out.getvalue())
    assert code == 0 and answer["status"] == "succeeded", answer
    return answer["run"]


def small_sasrec(workspace: Workspace) -> str:
    """A 2-layer, 2-head SASRec (hidden 16, window 8) on the tiny shop."""
    return train_run(
        workspace, "sasrec", "hidden_size=16", "num_heads=2", "inner_size=24", "max_len=8"
    )
