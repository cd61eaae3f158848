"""Personalised search on trained runs: the weight's two ends, moves and reasons, bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from seqrec_core.errors import ConfigError, InputError
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import Event
from seqrec_core.runs.trained_run import load_run
from seqrec_core.search import dense as dense_module
from seqrec_core.search.engine import FALLBACK_NOT_PERSONALISED, MAX_QUERY_CHARS, SearchEngine
from seqrec_core.search.personalize import describe_move
from tests.search.conftest import Shop

ALL = 100  # longer than any test catalog: the whole list of matches


def _ids(hits: tuple) -> list[str]:  # type: ignore[type-arg]
    return [h.item_id for h in hits]


def test_weight_zero_gives_every_shopper_the_same_list(tiny: Shop) -> None:
    engine = tiny.engine
    first = engine.search("gadget pro", None, user="u01", personalization=0.0, k=ALL)
    second = engine.search("gadget pro", None, user="u17", personalization=0.0, k=ALL)
    assert engine.recommender.user_history("u01") != engine.recommender.user_history("u17")
    assert [(h.item_id, h.score) for h in first.items] == [
        (h.item_id, h.score) for h in second.items
    ]
    assert _ids(first.items) == _ids(first.everyone) and first.fallback is None
    assert all(h.move == 0 for h in first.items)


def test_weight_one_is_the_models_order_restricted_to_the_matches(tiny: Shop) -> None:
    engine = tiny.engine
    history = engine.recommender.user_history("u05")
    assert history
    result = engine.search("garden", history, personalization=1.0, k=ALL)
    matches = engine.text_relevance(["garden"]).candidates[0]
    model = engine.recommender.score(engine.recommender.encode([history]), [0])[0].numpy()
    indices = np.flatnonzero(matches)
    expected = indices[np.argsort(-model[indices], kind="stable")]
    tokens = engine.recommender.table.items.tokens
    assert _ids(result.items) == [tokens[i - 1] for i in expected]
    assert 0 < len(result.items) < engine.lexical.size - 1  # "garden" matches only some items
    assert result.items[0].model_score == 1.0 and result.items[-1].model_score == 0.0


def test_the_final_score_is_the_stated_blend(tiny: Shop) -> None:
    result = tiny.engine.search("gadget lite", None, user="u02", personalization=0.3, k=ALL)
    for hit in result.items:
        assert hit.model_score is not None
        assert hit.score == pytest.approx(0.7 * hit.text_score + 0.3 * hit.model_score, abs=1e-6)
    assert [h.rank for h in result.items] == list(range(1, len(result.items) + 1))


def test_moves_are_against_the_list_everyone_sees_with_their_reason(tiny: Shop) -> None:
    result = tiny.engine.search("gadget", None, user="u03", personalization=0.8, k=ALL)
    place = {h.item_id: h.rank for h in result.everyone}
    for hit in result.items:
        assert hit.everyone_rank == place[hit.item_id]
        assert hit.move == place[hit.item_id] - hit.rank
    up = [h for h in result.items if h.move > 0]
    assert up, "a weight of 0.8 reorders the ring shop's gadgets"
    assert all(h.reason.startswith(f"up {h.move} place") for h in up)
    assert any(": you viewed " in h.reason or ": you added to cart " in h.reason for h in up)
    assert all(h.reason.startswith("down ") for h in result.items if h.move < 0)


def test_without_reasons_a_hit_says_only_its_move(tiny: Shop) -> None:
    result = tiny.engine.search("gadget", None, user="u03", personalization=0.8, reasons=False)
    with_reasons = tiny.engine.search("gadget", None, user="u03", personalization=0.8)
    assert _ids(result.items) == _ids(with_reasons.items)
    assert [h.reason for h in result.items] == [describe_move(h.move) for h in result.items]


def test_chain_shop_puts_the_next_step_first(chains: Shop) -> None:
    """cooc's answer is exact: after Thing 3 then Thing 4 comes Thing 5, a camping item."""
    history = (Event("P03", "view"), Event("P04", "purchase"))
    result = chains.engine.search("camping", history, personalization=1.0, k=3)
    assert result.items[0].item_id == "P05"
    assert result.items[0].reason.endswith("you bought Thing 4")
    assert all(h.fields["category"] == "Outdoor > Camping" for h in result.items)


def test_an_id_only_run_gets_dense_vectors_from_the_catalog(chains: Shop) -> None:
    assert chains.engine.dense is not None and chains.engine.dense.source == "catalog text vectors"
    assert chains.engine.notes == ()


def test_an_unknown_shopper_gets_the_labelled_list_everyone_sees(tiny: Shop) -> None:
    result = tiny.engine.search("gadget", None, user="nobody", personalization=0.9)
    assert result.fallback == FALLBACK_NOT_PERSONALISED
    assert _ids(result.items) == _ids(result.everyone) and result.items
    assert all(h.model_score is None for h in result.items)
    assert any("not personalised" in note for note in result.notes)


def test_an_edited_history_personalises_an_unknown_shopper(tiny: Shop) -> None:
    result = tiny.engine.search("gadget", (Event("i03", "cart"),), user="nobody")
    assert result.fallback is None and result.items[0].model_score is not None


def test_filters_and_exclusion_apply(chains: Shop) -> None:
    history = (Event("P03", "view"), Event("P04", "purchase"))
    filters = Filters(exclude_seen=True, include_brands=("Borealis",))
    result = chains.engine.search("thing", history, k=ALL, filters=filters)
    assert result.items and all(h.fields["brand"] == "Borealis" for h in result.items)
    assert not {"P03", "P04"} & set(_ids(result.items))
    kept = chains.engine.search("thing", history, k=ALL)  # by default nothing is excluded
    assert {"P03", "P04"} <= set(_ids(kept.items))


def test_a_typo_gets_did_you_mean(tiny: Shop) -> None:
    result = tiny.engine.search("gadgte", None, user="u01")
    assert "gadget" in result.did_you_mean


@pytest.mark.parametrize(
    "query",
    ["", "the and of", "x" * 10_000, "кроссовки", "'; DROP TABLE items; --", "<script>",
     "<script>alert(document.cookie)</script>", "跑步鞋 🏃"],
)  # fmt: skip
def test_bad_queries_answer_without_errors(tiny: Shop, query: str) -> None:
    result = tiny.engine.search(query, None, user="u01")
    assert len(result.query) <= MAX_QUERY_CHARS
    assert len(result.items) == len(result.everyone) <= 10
    if not result.items:
        assert any(
            n.startswith(("nothing to search for", "no product matches")) for n in result.notes
        )


def test_empty_and_stop_word_queries_say_what_to_do(tiny: Shop) -> None:
    for query in ("", "   ", "the and of"):
        result = tiny.engine.search(query, None, user="u01")
        assert result.items == () and any("nothing to search for" in n for n in result.notes)


def test_a_long_query_is_cut_and_said_so(tiny: Shop) -> None:
    result = tiny.engine.search("gadget " * 2000, None, user="u01")
    assert result.items and any("cut to its first" in n for n in result.notes)


def test_a_query_matching_nothing_says_so(tiny: Shop) -> None:
    result = tiny.engine.search("qqqqzzzz", None, user="u01")
    assert result.items == () and result.notes[-1] == "no product matches “qqqqzzzz”"


def test_without_the_language_model_search_is_lexical_and_says_so(
    tiny: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(_: object) -> None:
        raise ConfigError("the bundled sentence encoder (all-MiniLM-L6-v2) is not installed")

    monkeypatch.setattr(dense_module, "bundled_encoder", missing)
    engine = SearchEngine.from_run(tiny.workspace, load_run(tiny.workspace, tiny.run))
    assert engine.dense is None and "lexical search only" in engine.notes[0]
    result = engine.search("garden tools", None, user="u01")
    assert result.items and result.notes[0] == engine.notes[0]
    assert all(h.reason == "matches the words searched" for h in result.everyone)


def test_bad_arguments_are_errors_that_name_them(tiny: Shop) -> None:
    with pytest.raises(ConfigError, match="personalization"):
        tiny.engine.search("gadget", None, personalization=-0.1)
    with pytest.raises(ConfigError, match=r"k = 0 "):
        tiny.engine.search("gadget", None, k=0)
    with pytest.raises(InputError, match="not in this model's catalog"):
        tiny.engine.search("gadget", (Event("nope"),))


def test_rank_fusion_is_available_too(tiny: Shop) -> None:
    engine = replace(tiny.engine, fusion="rank")
    assert engine.search("gadget pro", None, user="u01").items
