"""A shop with planted groups of shoppers, and hand-made vectors with planted clusters.

`GROUPS` are three groups of shoppers of odd, different sizes (17, 15, 13). Each group
shops only in its own top-level category and brand: group g walks a ring of 7 items of
its own (item k is followed by the next item of the ring) from a start of its own, 5 to
9 events (views, a cart, a purchase), so histories are longer and shorter than a window of
8. A sequence model trained on it for a few epochs represents the groups apart, so a
lookalike audience or a segmentation can be checked against the planted truth. `planted_vectors` is the same truth without training: unit-ish vectors
around three orthogonal directions, exact and instant.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from seqrec_core.cli import main
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.shoppers.representations import ShopperVectors
from seqrec_core.store import Workspace

DATASET = "planted"
GROUPS = (17, 15, 13)  # shoppers per group, group 0 first
RING = 7  # items per group
CATEGORIES = ("Outdoor > Camping", "Kitchen > Pans", "Toys > Puzzles")
BRANDS = ("Acme", "Borealis", "Cedar")


def group_users() -> list[list[str]]:
    """The shopper ids of each group, `g{group}u{number:02d}`."""
    return [[f"g{g}u{u:02d}" for u in range(size)] for g, size in enumerate(GROUPS)]


def catalog() -> pd.DataFrame:
    """item_id `P{nn}`, title, category and brand of its group, price (5 × nn)."""
    count = RING * len(GROUPS)
    return pd.DataFrame(
        {
            "item_id": [f"P{i:02d}" for i in range(1, count + 1)],
            "title": [f"Thing {i}" for i in range(1, count + 1)],
            "category": [CATEGORIES[(i - 1) // RING] for i in range(1, count + 1)],
            "brand": [BRANDS[(i - 1) // RING] for i in range(1, count + 1)],
            "price": [float(5 * i) for i in range(1, count + 1)],
        }
    )


def steps(user: int) -> int:
    """Shopper number `user` of a group has 5 to 9 events (`5 + user mod 5`)."""
    return 5 + user % 5


def event_kind(step: int) -> str:
    """Every shopper carts at step 2, buys at step 4 and views otherwise."""
    return {2: "cart", 4: "purchase"}.get(step, "view")


def events() -> pd.DataFrame:
    """Shopper u of group g walks g's ring from item (u mod RING), `steps(u)` events."""
    rows = []
    for g, users in enumerate(group_users()):
        for u, user in enumerate(users):
            for s in range(steps(u)):
                item = g * RING + (u + s) % RING + 1
                stamp = f"2026-04-01T{10 + g:02d}:{u:02d}:{s:02d}Z"
                rows.append((user, f"P{item:02d}", stamp, event_kind(s)))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event_type"])


def planted_workspace(root: Path) -> Workspace:
    """A workspace under `root` holding the planted shop as dataset `planted`."""
    root.mkdir(parents=True, exist_ok=True)
    events_csv, items_csv = root / "events.csv", root / "items.csv"
    events().to_csv(events_csv, index=False)
    catalog().to_csv(items_csv, index=False)
    workspace = Workspace.open(root / "ws")
    ingest(events_csv, workspace, DATASET, items_path=items_csv)
    return workspace


def train_planted(workspace: Workspace, model: str, *settings: str, epochs: int = 3) -> str:
    """Train `model` on the planted shop in this process (as `tiny_shop.train_run`); the run."""
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


def planted_vectors(
    sizes: tuple[int, ...] = GROUPS, dim: int = 5, noise: float = 0.15, seed: int = 3
) -> tuple[ShopperVectors, np.ndarray]:
    """Hand-made vectors: group g around the g-th axis (plus Gaussian `noise`), shuffled.

    Returns:
        the vectors (users `g{group}u{nn}`, rows shuffled so groups interleave) and the
        (U,) planted group of each row.
    """
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    order = rng.permutation(len(truth))
    truth = truth[order]
    numbers = np.concatenate([np.arange(size) for size in sizes])[order]
    centres = np.eye(dim, dtype=np.float32)[truth]
    vectors = centres + noise * rng.standard_normal((len(truth), dim)).astype(np.float32)
    users = tuple(f"g{g}u{n:02d}" for g, n in zip(truth, numbers, strict=True))
    shoppers = ShopperVectors(
        run_id="hand",
        model="sasrec",
        users=users,
        vectors=vectors.astype(np.float32),
        item_vectors=np.zeros((4, dim), np.float32),
    )
    return shoppers, truth
