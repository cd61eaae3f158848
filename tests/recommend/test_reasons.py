"""The "because …" line: the past product most responsible for each recommended item.

Known answers on hand-made drop matrices (`pick_reasons`), the product grouping of a
history (`history_products`), and on the chain shop (tests/chain_shop.py) with a transition
baseline that reads the last two events, where each item's cause can be stated exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqrec_core.cli.main import main
from seqrec_core.recommend.reasons import history_products, pick_reasons
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.runs import registry
from seqrec_core.runs.trained_run import load_run
from tests.support.chain_shop import chain_shop


def test_the_product_that_lifts_an_item_more_than_the_list_is_its_reason() -> None:
    # Rows: products (oldest first); columns: the 3 recommended items.
    drops = np.array(
        [
            [0.1, 0.9, 0.0],  # a tent: lifts item 1 far more than the others
            [2.0, 1.6, 2.0],  # the newest event: removing it lowers every item
            [-0.5, -0.5, -0.5],  # a product that only holds the list back
        ]
    )
    # Item 0: only the newest event has ≥ half of its largest drop (2.0). Item 1: the tent
    # (0.9 ≥ 0.8) stands out by 0.9 - 1/3 against 1.6 - 5.6/3; item 2: the newest event.
    assert pick_reasons(drops).tolist() == [1, 0, 1]


def test_no_product_that_lowers_the_score_means_no_reason() -> None:
    drops = np.array([[-0.2, 0.3], [0.0, 0.1]])
    assert pick_reasons(drops).tolist() == [-1, 0]
    assert pick_reasons(np.zeros((0, 2))).tolist() == [-1, -1]


def test_a_product_is_named_by_its_strongest_event() -> None:
    items = np.array([7, 3, 3, 3, 5, 3])
    types = ["view", "view", "purchase", "view", "cart", "view"]
    products = history_products(items, types, start=1)  # event 0 is outside the window
    assert products.items.tolist() == [5, 3]  # by newest event: 5 at 4, 3 at 5
    assert products.strongest.tolist() == [4, 2]  # 3's purchase, not its newer view


@pytest.fixture(scope="module")
def two_step(tmp_path_factory: pytest.TempPathFactory) -> RunRecommender:
    """The chain shop with a transition baseline that reads the last two events."""
    ws, _ = chain_shop(tmp_path_factory.mktemp("reasons"))
    argv = ["train", "--workspace", str(ws.root), "--dataset", "chains", "--model", "cooc"]
    assert main([*argv, "--set", "window=2", "--json"]) == 0
    return RunRecommender.from_run(load_run(ws, registry.list_runs(ws)[0].run_id))


def test_reasons_differ_across_items_when_different_products_cause_them(
    two_step: RunRecommender,
) -> None:
    """Regression: every item of a list got the reason of the newest event, or none.

    Events were removed one at a time, so a product seen twice (a view, then a purchase)
    still stood in the history without either one and was never named: Thing 5, the next
    step after Thing 4, read "popular with shoppers like this one".
    """
    history = (Event("P04", "view"), Event("P04", "purchase"), Event("P22", "view"))
    items = two_step.recommend(history, k=2).items
    assert [r.item_id for r in items] == ["P23", "P05"]  # each chain's next step
    assert [r.reason for r in items] == [
        "because they viewed Thing 22",
        "because they bought Thing 4",
    ]
    assert [r.because_index for r in items] == [2, 1]  # the purchase names Thing 4
