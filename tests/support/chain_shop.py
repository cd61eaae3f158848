"""The handmade chain shop shared by the recommendation tests.

27 items in 3 categories (9 each) and 4 brands; 43 shoppers each walk 6 steps along their
category's chain "k → k + 1" (wrapping inside it) and buy at the third step, so the
transition baseline (`cooc`) gives answers a test can state exactly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqrec_core.cli.main import main
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.runs import registry
from seqrec_core.store import Workspace

CATEGORIES = ("Outdoor > Camping", "Outdoor > Hiking", "Home > Kitchen")
BRANDS = ("Acme", "Borealis", "Cedar", "Dune")
ITEMS = 27


def catalog() -> pd.DataFrame:
    """item_id, title (`Thing i`), category, brand (`BRANDS[i % 4]`), price (10 × i)."""
    return pd.DataFrame(
        {
            "item_id": [f"P{i:02d}" for i in range(1, ITEMS + 1)],
            "title": [f"Thing {i}" for i in range(1, ITEMS + 1)],
            "category": [CATEGORIES[(i - 1) // 9] for i in range(1, ITEMS + 1)],
            "brand": [BRANDS[i % 4] for i in range(1, ITEMS + 1)],
            "price": [float(10 * i) for i in range(1, ITEMS + 1)],
        }
    )


def events() -> pd.DataFrame:
    """The shoppers' walks: user u takes category u % 3, starting at step u % 9."""
    rows = []
    for u in range(43):
        block, start = u % 3, u % 9
        for s in range(6):
            item = block * 9 + (start + s) % 9 + 1
            kind = "purchase" if s == 2 else "view"
            rows.append((f"u{u:02d}", f"P{item:02d}", f"2026-03-01T12:{s:02d}:{u:02d}Z", kind))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event_type"])


def chain_shop(root: Path) -> tuple[Workspace, str]:
    """A workspace under `root` with dataset `chains` and a trained `cooc` run (its id)."""
    events_csv, items_csv = root / "events.csv", root / "items.csv"
    events().to_csv(events_csv, index=False)
    catalog().to_csv(items_csv, index=False)
    ws = Workspace.open(root / "ws")
    ingest(events_csv, ws, "chains", items_path=items_csv)
    argv = ["train", "--workspace", str(ws.root), "--dataset", "chains", "--model", "cooc"]
    assert main([*argv, "--json"]) == 0
    return ws, registry.list_runs(ws)[0].run_id
