"""The main reasons of a recommendation and the sentences a merchandiser reads.

Reasons on the linear toy, where occlusion equals each event's exact contribution and
the rank without the reasons can be re-scored by hand; sentences as known answers on
hand-built explanations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec_core.explain.explanation import Explanation
from seqrec_core.explain.inputs import History
from seqrec_core.explain.reasons import MAIN_SHARE, MainReasons, main_reasons
from seqrec_core.explain.rescoring import excluded_items, optimistic_one_based_ranks, score_variants
from seqrec_core.explain.sentences import (
    audit_sentence,
    event_phrase,
    group_sentence,
    trust_sentence,
    verdict_sentence,
)
from tests.support.toy_models import IDS, TYPES, linear_toy

NAMES = {"a": "Sport Socks", "b": "Trail Map", "c": "Running Shorts", "t": "Trail Runner 2"}


def test_reasons_are_the_fewest_top_events_carrying_half_the_lift() -> None:
    toy = linear_toy(seed=3)
    excluded = excluded_items(10, IDS, exclude_seen=True)
    target = 5
    effects = toy.contributions(IDS, TYPES, target).numpy().astype(float)
    found = main_reasons(toy.score_items, IDS, TYPES, target, excluded, effects)
    lifting = np.sort(effects[effects > 0])[::-1]
    shares = np.cumsum(lifting) / lifting.sum()
    expected = min(int(np.argmax(shares >= MAIN_SHARE)) + 1, 3)
    assert found is not None and len(found.positions) == expected
    assert [effects[p] for p in found.positions] == sorted(lifting[:expected], reverse=True)
    assert found.share == pytest.approx(shares[expected - 1])
    keep = torch.ones(1, len(IDS), dtype=torch.bool)
    keep[0, list(found.positions)] = False
    scores = score_variants(toy.score_items, IDS, TYPES, keep)
    assert found.score_without == pytest.approx(float(scores[0, target]))
    assert found.rank_without == int(
        optimistic_one_based_ranks(scores, torch.tensor(target), excluded)[0]
    )


def test_no_reasons_when_no_event_lifts_the_target() -> None:
    toy = linear_toy()
    excluded = excluded_items(10, IDS, exclude_seen=True)
    assert main_reasons(toy.score_items, IDS, TYPES, 3, excluded, -np.ones(6)) is None


def test_one_dominant_event_is_the_only_reason() -> None:
    toy = linear_toy()
    excluded = excluded_items(10, IDS, exclude_seen=True)
    effects = np.array([0.1, 3.0, -1.0, 0.2, 0.0, 0.1])
    found = main_reasons(toy.score_items, IDS, TYPES, 3, excluded, effects)
    assert found is not None and found.positions == (1,) and found.main
    assert found.share == pytest.approx(3.0 / 3.4)


def _explanation(
    items: list[str], kinds: list[str], *, rank: int = 1, reasons: MainReasons | None = None
) -> Explanation:
    n = len(items)
    history = History(
        user_id="u1",
        item_ids=tuple(items),
        event_types=tuple(kinds),
        timestamps=np.zeros(n, dtype=np.int64),
        input_ids=np.arange(1, n + 1),
        event_type_ids=np.ones(n, dtype=np.int64),
    )
    return Explanation(
        history=history,
        model_name="toy",
        target=9,
        target_item="t",
        target_score=1.0,
        target_rank=rank,
        top=[],
        attention=None,
        ig=None,
        occlusion=None,
        groups=pd.DataFrame(),
        curves=None,
        counterfactual=None,
        reasons=reasons,
    )


def _bold(text: str) -> str:
    return f"**{text}**"


def test_the_verdict_names_what_the_shopper_did_and_the_rank_without() -> None:
    reasons = MainReasons(positions=(2, 0), share=0.7, rank_without=14, score_without=0.5)
    expl = _explanation(["a", "b", "c"], ["view", "cart", "purchase"], reasons=reasons)
    assert verdict_sentence(expl, NAMES, emphasis=_bold) == (
        "**Trail Runner 2** is recommended first, mainly because this shopper viewed "
        "**Sport Socks** and bought **Running Shorts**; without those two events it would "
        "drop to rank 14."
    )


def test_the_verdict_groups_events_of_one_item_and_says_partly() -> None:
    reasons = MainReasons(positions=(1, 0, 2), share=0.4, rank_without=1_204, score_without=0.1)
    expl = _explanation(["a", "a", "c"], ["view", "cart", "wishlist"], rank=7, reasons=reasons)
    assert verdict_sentence(expl, NAMES) == (
        "Trail Runner 2 is at rank 7, partly because this shopper viewed Sport Socks and added "
        "it to the cart, and had a “wishlist” event on Running Shorts; without those three "
        "events it would drop to rank 1,204."
    )


def test_the_verdict_when_the_reasons_do_not_move_the_rank_or_there_are_none() -> None:
    same = MainReasons(positions=(0,), share=0.9, rank_without=1, score_without=0.9)
    assert verdict_sentence(_explanation(["b"], ["click"], reasons=same), NAMES).endswith(
        "clicked on Trail Map; even without that event it would stay at rank 1: the rest of "
        "the history supports it too."
    )
    assert verdict_sentence(_explanation(["b"], ["view"]), NAMES) == (
        "Trail Runner 2 is recommended first on this shopper's history as a whole: no single "
        "past event raises its score."
    )


def test_event_phrases_read_as_actions() -> None:
    assert event_phrase("cart", "Tent") == "added Tent to the cart"
    assert event_phrase("purchase", "it") == "bought it"
    assert event_phrase("return", "Tent") == "had a “return” event on Tent"


def test_the_group_sentence_names_the_group_that_lifts_most() -> None:
    groups = pd.DataFrame(
        {
            "kind": ["brand", "category"],
            "group": ["Trailco", "Outdoor"],
            "events": [1, 3],
            "attribution": [0.2, 0.5],
            "rank": [2, 12],
            "top_item": ["b", "c"],
        }
    )
    assert group_sentence(groups, "Tent", emphasis=_bold) == (
        "The category **Outdoor** matters most: without its 3 events **Tent** would be at rank 12."
    )
    groups["attribution"] = -1.0
    assert group_sentence(groups, "Tent").startswith("No category or brand")
    assert group_sentence(groups.iloc[:0], "Tent").startswith("The catalog has no categories")


def test_the_trust_sentence_says_which_explanations_pass() -> None:
    mixed = trust_sentence({"ig": True, "occlusion": True, "attention": False})
    assert mixed.startswith("Integrated Gradients and occlusion pass the check (")
    assert mixed.endswith("); attention does not: trust them first.")
    assert trust_sentence({"occlusion": True}).startswith("The explanation passes the check")
    assert trust_sentence({"ig": False, "occlusion": False}).startswith("No explanation passes")


def test_the_audit_sentence_gives_each_methods_share_in_percent() -> None:
    summary = {
        "users": 30,
        "methods": {
            "occlusion": {"faithful_share": 28 / 30},
            "ig": {"faithful_share": 26 / 30},
            "attention": {"faithful_share": 0.4},
            "random": {"mean_score_drop": 0.1},
        },
    }
    assert audit_sentence(summary).startswith(
        "Over 30 shoppers, occlusion's reasons hold up for 93%, Integrated Gradients' for 87% "
        "and attention's for 40% of them: "
    )
    assert audit_sentence({"users": 0, "methods": {}}) == "No shopper was audited."
