"""The most-popular list on a run's test split: hand-computed, and equal to a real POP run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seqrec_core.ingest.pipeline import ingest
from seqrec_core.runs import registry, worker
from seqrec_core.store import Workspace
from seqrec_core.training.popular_reference import popular_list_metrics
from tests.support.helpers import wait_until

# Twelve shoppers, each: three training events, a validation event (always "l"), a test
# event. Training counts: a 8, b 7, c 6, d 5, e 4, f 3, g 2, h 1; i, j, k, l never.
TRAINING = [
    "abd", "abd", "abe", "ace", "ace", "ace", "acf", "acf", "bcf", "bdg", "bdg", "bdh",
]  # fmt: skip
# Shoppers 0-6 go on to a counted product they have not bought before; 7-11 to one that
# was never bought in training.
TESTS = "cedbdfgijkij"


@pytest.fixture
def shop(tmp_path: Path) -> Workspace:
    """A workspace with the dataset `shop` described above."""
    rows = []
    for user, (history, test) in enumerate(zip(TRAINING, TESTS, strict=True)):
        for step, item in enumerate([*history, "l", test]):
            rows.append((f"u{user:02d}", item, f"2026-03-01T09:{user:02d}:{step:02d}Z"))
    csv = tmp_path / "shop.csv"
    pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).to_csv(csv, index=False)
    ws = Workspace.open(tmp_path / "ws")
    ingest(csv, ws, "shop")
    return ws


def test_hit_rate_by_hand_with_history_kept(shop: Workspace) -> None:
    """Nothing excluded: the top 10 are a..h (counted) and two of the four never-bought
    items; those four tie, and ties count against the target, so i, j, k all rank 11th."""
    metrics = popular_list_metrics(shop, "shop", exclude_history=False)
    assert metrics["HR@10"] == pytest.approx(7 / 12)
    assert metrics["coverage@10"] == pytest.approx(10 / 12)  # the same ten for everybody


def test_hit_rate_by_hand_with_history_excluded(shop: Workspace) -> None:
    """Each shopper's own three products and "l" leave the ranking: the never-bought
    products i, j, k then rank 8th at worst (5 counted products + the 3 tied), all hits."""
    assert popular_list_metrics(shop, "shop")["HR@10"] == pytest.approx(1.0)


def test_the_computed_list_scores_exactly_like_a_pop_run(shop: Workspace) -> None:
    info = worker.launch_run(shop, "shop", "pop", cold_items=0.25)
    wait_until(lambda: not registry.get_run(shop, info.run_id).active)
    done = registry.get_run(shop, info.run_id)
    assert done.status == registry.SUCCEEDED, done.error
    computed = popular_list_metrics(shop, "shop", cold_items=0.25)
    assert computed == pytest.approx(done.result["test_metrics"])
