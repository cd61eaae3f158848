"""Exact cosine neighbours: known answers on hand vectors, exclusions, chunking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqrec_core.errors import InputError
from seqrec_core.shoppers import neighbours
from seqrec_core.shoppers.neighbours import row_of, similar_shoppers, top_k_cosine
from seqrec_core.shoppers.representations import ShopperVectors
from tests.support.planted_shop import planted_vectors

# Seven vectors in 3-D whose cosines with the x and y axes are easy to state.
HAND = torch.tensor(
    [
        [1.0, 0.0, 0.0],  # 0: x            cos x = 1,      cos y = 0
        [1.0, 1.0, 0.0],  # 1: x + y        cos x = 0.7071, cos y = 0.7071
        [0.0, 1.0, 0.0],  # 2: y            cos x = 0,      cos y = 1
        [-1.0, 0.0, 0.0],  # 3: -x          cos x = -1,     cos y = 0
        [4.0, 3.0, 0.0],  # 4:              cos x = 0.8,    cos y = 0.6
        [3.0, 0.0, 4.0],  # 5:              cos x = 0.6,    cos y = 0
        [1.0, -2.0, 2.0],  # 6:             cos x = 1/3,    cos y = -2/3
    ]
)
UNIT = torch.nn.functional.normalize(HAND, dim=1)
X_AND_Y = torch.eye(3)[:2]
S = 0.5**0.5


def test_the_order_and_scores_are_the_hand_computed_ones() -> None:
    scores, rows = top_k_cosine(UNIT, X_AND_Y, 7)
    assert rows[0].tolist() == [0, 4, 1, 5, 6, 2, 3]
    np.testing.assert_allclose(scores[0].numpy(), [1, 0.8, S, 0.6, 1 / 3, 0, -1], atol=1e-6)
    assert rows[1, :3].tolist() == [2, 1, 4]
    np.testing.assert_allclose(scores[1].numpy(), [1, S, 0.6, 0, 0, 0, -2 / 3], atol=1e-6)
    assert set(rows[1, 3:6].tolist()) == {0, 3, 5}  # the three ties at 0
    assert rows[1, 6] == 6


def test_excluded_rows_are_never_returned() -> None:
    excluded = torch.zeros(7, dtype=torch.bool)
    excluded[[0, 4]] = True
    scores, rows = top_k_cosine(UNIT, X_AND_Y, 3, excluded)
    assert rows[0].tolist() == [1, 5, 6]
    np.testing.assert_allclose(scores[0].numpy(), [S, 0.6, 1 / 3], atol=1e-6)
    assert rows[1].tolist()[:2] == [2, 1]
    assert not {0, 4} & set(rows.flatten().tolist())


def test_asking_for_more_than_the_allowed_rows_gives_fewer() -> None:
    excluded = torch.tensor([True, False, True, False, False, True, False])
    scores, rows = top_k_cosine(UNIT, X_AND_Y, 10, excluded)
    assert scores.shape == rows.shape == (2, 4)
    assert set(rows[0].tolist()) == {1, 3, 4, 6}
    assert torch.isfinite(scores).all()
    assert top_k_cosine(UNIT, X_AND_Y, 0)[1].shape == (2, 0)
    assert top_k_cosine(UNIT, X_AND_Y, 3, torch.ones(7, dtype=torch.bool))[1].shape == (2, 0)
    assert top_k_cosine(UNIT, X_AND_Y[:0], 3)[1].shape == (0, 3)


@pytest.mark.parametrize("cells", [1, 3, 8, 40])
def test_chunks_give_the_one_shot_answer(monkeypatch: pytest.MonkeyPatch, cells: int) -> None:
    generator = torch.Generator().manual_seed(5)
    index = torch.nn.functional.normalize(torch.randn(101, 6, generator=generator), dim=1)
    queries = torch.nn.functional.normalize(torch.randn(13, 6, generator=generator), dim=1)
    excluded = torch.rand(101, generator=generator) < 0.3
    whole = top_k_cosine(index, queries, 5, excluded)
    hand = top_k_cosine(UNIT, X_AND_Y, 3)
    monkeypatch.setattr(neighbours, "_CELLS", cells)
    chunked = top_k_cosine(index, queries, 5, excluded)
    assert torch.equal(chunked[1], whole[1])
    torch.testing.assert_close(chunked[0], whole[0])
    expected = (queries @ index.T).masked_fill(excluded, float("-inf")).topk(5, dim=1)
    assert torch.equal(whole[1], expected.indices)
    assert torch.equal(top_k_cosine(UNIT, X_AND_Y, 3)[1], hand[1])


def _shoppers() -> ShopperVectors:
    users = ("ann", "bo", "cy", "di", "ed", "fay", "gus")
    return ShopperVectors("hand", "sasrec", users, HAND.numpy(), np.zeros((2, 3), np.float32))


def test_similar_shoppers_are_ranked_and_never_the_shopper_themself() -> None:
    shoppers = _shoppers()
    similar = similar_shoppers(shoppers, "ann", k=3)
    assert list(similar.columns) == ["user_id", "score", "rank"]
    assert similar["user_id"].tolist() == ["ed", "bo", "fay"]
    np.testing.assert_allclose(similar["score"], [0.8, S, 0.6], atol=1e-6)
    assert similar["rank"].tolist() == [1, 2, 3]
    for user in shoppers.users:
        everyone = similar_shoppers(shoppers, user, k=50)
        assert len(everyone) == 6 and user not in set(everyone["user_id"])
        assert everyone["score"].is_monotonic_decreasing


def test_a_twin_comes_first_but_the_shopper_never_does() -> None:
    vectors = np.array([[1, 2, 3], [2, 4, 6], [3, 2, 1]], dtype=np.float32)
    twins = ShopperVectors("hand", "sasrec", ("a", "b", "c"), vectors, vectors)
    similar = similar_shoppers(twins, "a", k=1)
    assert similar["user_id"].tolist() == ["b"]
    assert similar["score"].iloc[0] == pytest.approx(1.0, abs=1e-6)


def test_an_unknown_shopper_is_an_input_error_with_examples() -> None:
    with pytest.raises(InputError, match=r"shopper 'zed' is not in this run") as raised:
        similar_shoppers(_shoppers(), "zed")
    assert "e.g. ann, bo, cy" in str(raised.value)
    assert row_of(_shoppers(), "gus") == 6


def test_the_approximate_index_finds_the_exact_neighbours_of_planted_groups() -> None:
    from seqrec_core.shoppers.shopper_index import build_index

    vectors, truth = planted_vectors((120, 100, 80), dim=6, noise=0.3)
    for user in vectors.users[:30]:
        exact = similar_shoppers(vectors, user, k=5, exact=True)
        approx = similar_shoppers(vectors, user, k=5, exact=False)
        assert user not in set(approx["user_id"]) and approx["rank"].tolist() == [1, 2, 3, 4, 5]
        assert approx["score"].is_monotonic_decreasing
        # Every list is read here (few lists): the approximate answer is the exact one.
        assert approx["user_id"].tolist() == exact["user_id"].tolist()
        np.testing.assert_allclose(approx["score"], exact["score"], atol=1e-5)
    index = build_index(vectors.unit.numpy(), nprobe=1)  # one list read per query
    assert index.lists == 7  # 300 vectors: at most one list per 40 of them
    scores, rows = index.search(vectors.unit[:4].numpy(), 3, np.arange(4))
    assert rows.shape[0] == 4 and not (rows == np.arange(4)[:, None]).any()
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first
    assert (truth[rows] == truth[:4, None]).mean() >= 0.9  # one list still holds the group


def test_shops_above_the_exact_limit_use_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from seqrec_core.shoppers import shopper_index

    vectors, _ = planted_vectors()
    monkeypatch.setattr(shopper_index, "EXACT_LIMIT", 10)
    assert "index" not in vectors.__dict__
    similar_shoppers(vectors, vectors.users[0], k=3)
    assert "index" in vectors.__dict__  # built on first use, then kept
    monkeypatch.setattr(shopper_index, "EXACT_LIMIT", 10_000)
    fresh, _ = planted_vectors()
    similar_shoppers(fresh, fresh.users[0], k=3)
    assert "index" not in fresh.__dict__
