"""Segments: planted clusters recovered, numbered by size, described, saved and read back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import sparse

from seqrec_core.errors import ConfigError
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.shoppers import segments as segments_module
from seqrec_core.shoppers.representations import ShopperVectors
from seqrec_core.shoppers.segment_files import SEGMENTS_FILE, save_segments, saved_segments
from seqrec_core.shoppers.segments import (
    AUTO_KS,
    MAX_K,
    Segment,
    add_recommendation_mix,
    choose_k,
    segment_shoppers,
    segments_frame,
)
from seqrec_core.shoppers.tastes import Tastes, shopper_tastes
from tests.shoppers.conftest import Planted
from tests.support.planted_shop import GROUPS, group_users, planted_vectors

NAMES = ("Camping", "Kitchen", "Puzzles")


def _hand_tastes(truth: np.ndarray) -> Tastes:
    """Group g's shoppers: 7 events of weight 2 in category and brand g, spend 10 + g."""
    count, rows = len(truth), np.arange(len(truth))
    one_hot = sparse.csr_matrix((np.full(count, 14.0), (rows, truth)), shape=(count, 3))
    bands = np.zeros((count, 3))
    bands[rows, truth] = 14.0  # group g in price band g: low, mid, high
    return Tastes(
        users=tuple(f"x{i}" for i in range(count)),
        events=np.full(count, 7),
        spend=10.0 + truth,
        categories=NAMES,
        brands=("Acme", "Borealis", "Cedar"),
        category_weights=one_hot,
        brand_weights=one_hot,
        band_weights=bands,
        item_weights=sparse.csr_matrix((count, 4)),
        item_names=("", "a", "b", "c"),
    )


@pytest.fixture(scope="module")
def hand() -> tuple[ShopperVectors, np.ndarray, Tastes]:
    vectors, truth = planted_vectors()
    return vectors, truth, _hand_tastes(truth)


def _agree_up_to_renumbering(labels: np.ndarray, truth: np.ndarray) -> bool:
    pairs = set(zip(labels.tolist(), truth.tolist(), strict=True))
    return len(pairs) == len(set(labels.tolist())) == len(set(truth.tolist()))


def test_a_fixed_k_recovers_the_planted_clusters_numbered_by_size(hand) -> None:
    vectors, truth, tastes = hand
    seen: list[tuple[float, str]] = []
    result = segment_shoppers(vectors, tastes, 3, progress=lambda f, t: seen.append((f, t)))
    assert _agree_up_to_renumbering(result.labels, truth)
    # Groups of 17, 15 and 13: by size, group g is segment g + 1.
    np.testing.assert_array_equal(result.labels, truth + 1)
    assert [s.segment for s in result.segments] == [1, 2, 3]
    assert [s.size for s in result.segments] == list(GROUPS)
    assert sum(s.size for s in result.segments) == len(vectors)
    assert result.k == 3 and not result.automatic and result.silhouette == {}
    assert result.run_id == "hand" and result.users == vectors.users
    assert sorted(result.members(2)) == group_users()[1]
    first = result.segments[0]
    assert first.share == pytest.approx(17 / 45)
    assert first.top_categories == (("Camping", 1.0),) and first.top_brands == (("Acme", 1.0),)
    assert (first.price_band, first.price_band_share) == ("low", 1.0)
    assert (first.median_events, first.median_spend) == (7.0, 10.0)
    assert result.segments[2].price_band == "high" and result.segments[2].median_spend == 12.0
    assert seen == [
        (0.6, "Grouping 45 shoppers into 3 segments"),
        (1.0, "3 segments of 45 shoppers"),
    ]


def test_members_come_in_the_runs_user_order(hand) -> None:
    vectors, _, tastes = hand
    result = segment_shoppers(vectors, tastes, 3)
    members = result.members(3)
    assert members == [u for u in vectors.users if u.startswith("g2")]
    assert result.members(4) == []


def test_the_automatic_k_of_three_separated_clusters_is_three(hand) -> None:
    vectors, truth, tastes = hand
    seen: list[tuple[float, str]] = []
    result = segment_shoppers(vectors, tastes, progress=lambda f, t: seen.append((f, t)))
    assert result.automatic and result.k == 3
    assert set(result.silhouette) == set(AUTO_KS)
    assert max(result.silhouette, key=result.silhouette.get) == 3
    np.testing.assert_array_equal(result.labels, truth + 1)
    assert seen[0] == (0.1, "Choosing the number of segments on 45 shoppers")
    assert choose_k(vectors.unit.numpy())[0] == 3


def test_a_trained_run_recovers_the_planted_groups(planted: Planted) -> None:
    engine = RunRecommender.from_run(planted.loaded)
    tastes = shopper_tastes(engine)
    result = segment_shoppers(planted.vectors, tastes, 3)
    assert _agree_up_to_renumbering(result.labels, planted.truth())
    assert [s.size for s in result.segments] == list(GROUPS)
    first = result.segments[0]
    assert first.top_categories == (("Outdoor", 1.0),) and first.top_brands == (("Acme", 1.0),)
    mixed = add_recommendation_mix(engine, result, tastes, per_segment=7)
    np.testing.assert_array_equal(mixed.labels, result.labels)
    assert [s.size for s in mixed.segments] == list(GROUPS)
    for segment in mixed.segments:
        assert len(segment.shown_more) <= 2
        for category, ratio in segment.shown_more:
            assert category in tastes.categories and ratio >= 1.25
            assert f"{category} {ratio:.1f}×" in segment.description
    assert any(segment.shown_more for segment in mixed.segments)
    no_words = replace(tastes, categories=(), category_weights=tastes.category_weights[:, :0])
    assert add_recommendation_mix(engine, result, no_words) is result


@pytest.mark.parametrize("k", [-1, 0, 1, MAX_K + 1])
def test_k_outside_two_to_max_k_is_refused(hand, k: int) -> None:
    vectors, _, tastes = hand
    with pytest.raises(ConfigError, match=f"segments = {k}: choose 2 to {MAX_K}"):
        segment_shoppers(vectors, tastes, k)


def test_more_segments_than_shoppers_is_refused() -> None:
    vectors, truth = planted_vectors((2, 2, 1))
    with pytest.raises(ConfigError, match="segments = 6: choose 2 to 5"):
        segment_shoppers(vectors, _hand_tastes(truth), 6)
    assert segment_shoppers(vectors, _hand_tastes(truth), 5).k == 5


def test_two_shoppers_make_one_automatic_segment() -> None:
    vectors, truth = planted_vectors((1, 1))
    result = segment_shoppers(vectors, _hand_tastes(truth))
    assert result.k == 1 and result.labels.tolist() == [1, 1] and result.silhouette == {}
    assert result.segments[0].size == 2 and result.segments[0].share == 1.0


def test_a_large_k_leaves_no_shopper_out(hand, monkeypatch: pytest.MonkeyPatch) -> None:
    """k-means is fitted on a sample (`FIT_SAMPLE`) and then assigns everybody."""
    vectors, _, tastes = hand
    monkeypatch.setattr(segments_module, "FIT_SAMPLE", 20)
    result = segment_shoppers(vectors, tastes, 7)
    sizes = [s.size for s in result.segments]
    assert sum(sizes) == 45 and sizes == sorted(sizes, reverse=True)
    assert set(result.labels.tolist()) <= set(range(1, 8))


def test_segments_frame_has_one_described_row_per_segment(hand) -> None:
    vectors, _, tastes = hand
    frame = segments_frame(segment_shoppers(vectors, tastes, 3))
    assert {
        "segment",
        "shoppers",
        "share",
        "top_categories",
        "top_brands",
        "top_items",
        "price_band",
        "median_events",
        "median_spend",
        "description",
    } <= set(frame.columns)
    assert frame["segment"].tolist() == [1, 2, 3] and frame["shoppers"].tolist() == list(GROUPS)
    assert frame["top_categories"].tolist() == [
        "Camping (100%)",
        "Kitchen (100%)",
        "Puzzles (100%)",
    ]
    assert frame["price_band"].tolist() == ["low", "mid", "high"]
    first = frame["description"][0]
    for words in ("17 shoppers (38%)", "Camping (100%", "Favourite brands: Acme.", "low-priced",
                  "A median of 7 events", "10.00 spent"):  # fmt: skip
        assert words in first
    assert "Kitchen" not in first and "Kitchen (100%" in frame["description"][1]


def test_a_segment_without_catalog_words_is_described_by_its_items() -> None:
    segment = Segment(1, 4, 0.5, (), (), None, 0.0, 3.0, 0.0, top_items=(("Thing 2", 0.5),))
    assert segment.description.startswith("4 shoppers (50%).")
    assert "Most often: Thing 2." in segment.description
    assert "A median of 3 events." in segment.description and "spent" not in segment.description
    answer = segment.to_dict()
    assert {"segment", "size", "top_categories", "top_brands"} <= set(answer)
    assert answer["top_items"] == ["Thing 2"] and answer["description"] == segment.description


# -- the saved segmentation ------------------------------------------------------------------


def test_saved_segments_round_trip(tmp_path: Path) -> None:
    users = ("b", "a", "c", "=x", "d")
    path = save_segments(tmp_path, users, np.array([2, 1, 2, 3, 1]))
    assert path == tmp_path / SEGMENTS_FILE and not list(tmp_path.glob(".*.tmp"))
    assert saved_segments(tmp_path) == {1: ["a", "d"], 2: ["b", "c"], 3: ["=x"]}
    save_segments(tmp_path, users[:2], np.array([1, 1]))  # replaced
    assert saved_segments(tmp_path) == {1: ["b", "a"]}


def test_no_or_a_damaged_segments_file_reads_as_none(tmp_path: Path) -> None:
    assert saved_segments(tmp_path) == {}
    (tmp_path / SEGMENTS_FILE).write_bytes(b"\x00garbage, not parquet\xff" * 5)
    assert saved_segments(tmp_path) == {}


def test_a_parquet_file_of_another_shape_reads_as_none(tmp_path: Path) -> None:
    """Regression: `saved_segments` catches only unreadable files (OSError, ArrowException);
    a readable Parquet file without `user_id` and `segment` columns raises KeyError, which
    would break the Recommend page's segment preview."""
    pq.write_table(pa.table({"user": ["a"], "group": [1]}), tmp_path / SEGMENTS_FILE)
    assert saved_segments(tmp_path) == {}


def test_one_shopper_cannot_be_split_and_says_so() -> None:
    """Regression: `segment_shoppers` checks `k` against `max(count, 2)`, so k = 2 on a run
    of one shopper passes the check and scikit-learn raises a ValueError ("n_samples=1
    should be >= n_clusters=2") instead of a plain ConfigError."""
    vectors, truth = planted_vectors((1,))
    with pytest.raises(ConfigError):
        segment_shoppers(vectors, _hand_tastes(truth), 2)
