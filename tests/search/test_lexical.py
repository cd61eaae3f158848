"""BM25 over item texts: hand-computed scores, plural folding, "did you mean", bad queries."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqrec_core.search.lexical import LexicalIndex, fold_plural

# Index 0 is padding. Documents as `run_item_texts` builds them: text, then the item id.
TEXTS = ("", "Red Running Shoe i1", "Blue Shoe Box i2", "Red Hat i3")


def _bm25(tf: int, df: int, length: int, docs: int, mean_length: float) -> float:
    """Lucene BM25 (bm25s' default, k1 = 1.5, b = 0.75) of one query term in one document."""
    idf = math.log(1 + (docs - df + 0.5) / (df + 0.5))
    return idf * tf / (tf + 1.5 * (1 - 0.75 + 0.75 * length / mean_length))


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(TEXTS)


def test_scores_are_bm25_by_hand(index: LexicalIndex) -> None:
    match = index.match("red shoe")
    mean = (4 + 4 + 3) / 3  # words per document, the ids included
    red_i1, shoe_i1 = _bm25(1, 2, 4, 3, mean), _bm25(1, 2, 4, 3, mean)
    expected = [0.0, red_i1 + shoe_i1, _bm25(1, 2, 4, 3, mean), _bm25(1, 2, 3, 3, mean)]
    np.testing.assert_allclose(match.scores, expected, rtol=1e-5)
    assert list(np.argsort(-match.scores)[:3]) == [1, 3, 2]  # both words; then the shorter
    assert match.words == ("red", "shoe") and match.unknown == ()


def test_a_plural_query_finds_the_singular_and_ids_are_words(index: LexicalIndex) -> None:
    assert index.match("shoes").scores.nonzero()[0].tolist() == [1, 2]
    assert index.match("I3").scores.nonzero()[0].tolist() == [3]


@pytest.mark.parametrize(
    ("word", "folded"),
    [("shoes", "shoe"), ("batteries", "battery"), ("boxes", "box"), ("glass", "glass"),
     ("bus", "bus"), ("cactus", "cactus"), ("hats", "hat"), ("ties", "tie"), ("dresses", "dress"),
     ("watches", "watch")],
)  # fmt: skip
def test_plural_folding(word: str, folded: str) -> None:
    assert fold_plural(word) == folded


def test_did_you_mean_corrects_a_typo(index: LexicalIndex) -> None:
    match = index.match("runing shoe")
    assert match.unknown == ("runing",)
    assert index.did_you_mean(match)[0] == "running shoe"


def test_nothing_close_gives_no_suggestion(index: LexicalIndex) -> None:
    match = index.match("zzzzqx")
    assert not match.matched and index.did_you_mean(match) == ()


@pytest.mark.parametrize(
    "query",
    ["", "   ", "the and of", "x" * 10_000, "кроссовки для бега", "'; DROP TABLE items; --",
     "<script>alert('x')</script>", "\x00\x1f", "跑步鞋"],
)  # fmt: skip
def test_bad_queries_score_without_errors(index: LexicalIndex, query: str) -> None:
    match = index.match(query)
    assert match.scores.shape == (len(TEXTS),) and match.scores[0] == 0
    index.did_you_mean(match)


def test_stop_words_are_not_content_words(index: LexicalIndex) -> None:
    assert index.words("The Red and the Blue") == ("red", "blue")
