"""The blend of text and model relevance, the order with its tie-breaks, ranks and moves."""

from __future__ import annotations

import numpy as np
import pytest

from seqrec_core.errors import ConfigError
from seqrec_core.search.personalize import blend, describe_move, lexicographic_ranks, ranked

CANDIDATES = np.array([[False, True, True, True, False, True]])
TEXT = np.array([[0.0, 4.0, 2.0, 0.0, 0.0, 4.0]], dtype=np.float32)  # scaled: 1, .5, 0, -, 1
MODEL = np.array([[9.0, 1.0, 3.0, 5.0, 8.0, 3.0]], dtype=np.float32)  # scaled: 0, .5, 1, -, .5


def test_the_blend_by_hand() -> None:
    final, text, model = blend(TEXT, MODEL, CANDIDATES, 0.25)
    assert model is not None
    np.testing.assert_allclose(text[0], [0, 1, 0.5, 0, 0, 1])
    np.testing.assert_allclose(model[0], [0, 0, 0.5, 1, 0, 0.5])
    expected = [0.75 * t + 0.25 * m for t, m in zip(text[0], model[0], strict=True)]
    np.testing.assert_allclose(final[0][CANDIDATES[0]], np.array(expected)[CANDIDATES[0]])
    assert np.isneginf(final[0][~CANDIDATES[0]]).all()  # non-matching items are never ranked


def test_weight_zero_is_text_and_weight_one_is_the_model() -> None:
    popularity = np.zeros(6)

    def order(weight: float) -> np.ndarray:
        final, text, _ = blend(TEXT, MODEL, CANDIDATES, weight)
        return ranked(final[0], text[0], popularity, CANDIDATES[0])

    at_zero, at_one = order(0.0), order(1.0)
    assert at_zero.tolist() == [1, 5, 2, 3]  # text; the 1–5 tie by index
    assert at_one.tolist() == [3, 5, 2, 1]  # model; the 2–5 tie by text (5: 1 > 2: 0.5)


def test_popularity_breaks_a_tie_before_the_index() -> None:
    popularity = np.array([0, 1, 0, 0, 0, 7], dtype=float)
    final, text, _ = blend(TEXT, None, CANDIDATES, 0.5)
    assert ranked(final[0], text[0], popularity, CANDIDATES[0]).tolist()[:2] == [5, 1]


def test_lexicographic_ranks_agree_with_the_order() -> None:
    rng = np.random.default_rng(7)
    text = rng.integers(0, 3, size=(4, 9)).astype(np.float32)  # many ties on purpose
    model = rng.integers(0, 3, size=(4, 9)).astype(np.float32)
    popularity = rng.integers(0, 2, size=9).astype(np.float32)
    candidates = rng.random((4, 9)) < 0.7
    candidates[:, 0] = False
    final, scaled, _ = blend(text, model, candidates, 0.5)
    for row in range(4):
        order = ranked(final[row], scaled[row], popularity, candidates[row])
        targets = np.array(order)
        ranks = lexicographic_ranks(
            [final[[row] * len(targets)], scaled[[row] * len(targets)],
             np.broadcast_to(popularity, (len(targets), 9))],
            targets,
        )  # fmt: skip
        assert ranks.tolist() == list(range(len(order)))


def test_a_weight_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"personalization = 1\.5"):
        blend(TEXT, MODEL, CANDIDATES, 1.5)


@pytest.mark.parametrize(
    ("move", "words"),
    [
        (7, "up 7 places"),
        (1, "up 1 place"),
        (-2, "down 2 places"),
        (0, "same place as for everyone"),
    ],
)
def test_moves_in_words(move: int, words: str) -> None:
    assert describe_move(move) == words
