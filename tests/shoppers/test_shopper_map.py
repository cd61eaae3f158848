"""The customer map: a seeded sample of shoppers in 2-D, planted clusters drawn apart."""

from __future__ import annotations

import numpy as np
import pytest

from seqrec_core.shoppers import shopper_map as map_module
from seqrec_core.shoppers.shopper_map import shopper_map
from tests.support.planted_shop import planted_vectors


def test_every_shopper_is_drawn_when_there_are_few() -> None:
    vectors, _ = planted_vectors()
    drawn = shopper_map(vectors)
    assert not drawn.sampled and drawn.total == len(drawn.points) == 45
    assert list(drawn.points.columns) == ["user_id", "x", "y"]
    assert drawn.points["user_id"].tolist() == list(vectors.users)
    assert drawn.rows.tolist() == list(range(45))
    assert np.isfinite(drawn.points[["x", "y"]].to_numpy()).all()


def test_planted_clusters_land_apart_on_the_map() -> None:
    """Three orthogonal directions span a plane once centred: two axes keep nearly all."""
    vectors, truth = planted_vectors()
    drawn = shopper_map(vectors)
    x_share, y_share = drawn.explained
    assert x_share >= y_share > 0 and x_share + y_share > 0.8
    xy = drawn.points[["x", "y"]].to_numpy()
    centres = np.array([xy[truth == g].mean(axis=0) for g in range(3)])
    spread = max(np.linalg.norm(xy[truth == g] - centres[g], axis=1).max() for g in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 2 * spread


@pytest.mark.parametrize("max_drawn", [1, 7, 44])
def test_at_most_max_drawn_shoppers_are_drawn(max_drawn: int) -> None:
    vectors, _ = planted_vectors()
    drawn = shopper_map(vectors, max_drawn=max_drawn, seed=2)
    assert drawn.sampled and drawn.total == 45
    assert len(drawn.points) == len(drawn.rows) == max_drawn
    assert set(drawn.points["user_id"]) <= set(vectors.users)
    assert drawn.points["user_id"].tolist() == [vectors.users[r] for r in drawn.rows]
    assert drawn.points["user_id"].is_unique


def test_the_same_seed_draws_the_same_map(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, _ = planted_vectors()
    monkeypatch.setattr(map_module, "FIT_SAMPLE", 30)  # fitted on a sample, too
    first = shopper_map(vectors, max_drawn=9, seed=4)
    again = shopper_map(vectors, max_drawn=9, seed=4)
    assert first.points.equals(again.points) and first.explained == again.explained
    other = shopper_map(vectors, max_drawn=9, seed=5)
    assert other.rows.tolist() != first.rows.tolist()


@pytest.mark.parametrize("sizes", [(1,), (1, 1), (2,)])
def test_fewer_than_three_shoppers_draw_without_a_projection(sizes: tuple[int, ...]) -> None:
    vectors, _ = planted_vectors(sizes)
    drawn = shopper_map(vectors)
    assert drawn.total == len(drawn.points) == sum(sizes) and not drawn.sampled
    assert drawn.points[["x", "y"]].to_numpy().tolist() == [[0.0, 0.0]] * sum(sizes)
    assert drawn.explained == (0.0, 0.0)


def test_three_shoppers_are_enough_for_a_map() -> None:
    vectors, _ = planted_vectors((1, 1, 1))
    drawn = shopper_map(vectors)
    assert len(drawn.points) == 3 and sum(drawn.explained) == pytest.approx(1.0, abs=1e-6)
