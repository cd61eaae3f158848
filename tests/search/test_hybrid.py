"""Fusing BM25 and cosine into one text relevance: candidates and both fusions, by hand."""

from __future__ import annotations

import numpy as np

from seqrec_core.search import hybrid
from seqrec_core.search.hybrid import candidate_mask, fuse, minmax_over, rank_fusion

# One query over 5 items (index 0 is padding).
LEXICAL = np.array([[0.0, 2.0, 1.0, 0.0, 0.0]], dtype=np.float32)
DENSE = np.array([[0.0, 0.5, 0.9, 0.6, 0.1]], dtype=np.float32)


def test_minmax_over_the_masked_items() -> None:
    mask = np.array([[False, True, True, True, False]])
    scaled = minmax_over(np.array([[9.0, 3.0, 1.0, 2.0, 7.0]]), mask)
    np.testing.assert_allclose(scaled, [[0.0, 1.0, 0.0, 0.5, 0.0]])


def test_a_row_whose_candidates_tie_gives_them_all_one() -> None:
    mask = np.array([[False, True, True]])
    np.testing.assert_allclose(minmax_over(np.array([[0.0, 4.0, 4.0]]), mask), [[0, 1, 1]])


def test_candidates_are_word_matches_and_near_meanings_above_the_floor() -> None:
    # Items 1, 2 match words; 3 is near in meaning (0.6 ≥ floor); 4 is not (0.1).
    assert candidate_mask(LEXICAL, DENSE).tolist() == [[False, True, True, True, False]]
    assert candidate_mask(LEXICAL, None).tolist() == [[False, True, True, False, False]]


def test_minmax_fusion_by_hand() -> None:
    relevance = fuse(LEXICAL, DENSE, method="minmax")
    # BM25 over candidates 1..3: 2, 1, 0 → 1, 0.5, 0; cosine 0.5, 0.9, 0.6 → 0, 1, 0.25.
    share = hybrid.LEXICAL_SHARE
    expected = [
        0.0,
        share * 1 + (1 - share) * 0,
        share * 0.5 + (1 - share) * 1,
        (1 - share) * 0.25,
        0.0,
    ]
    np.testing.assert_allclose(relevance.scores, [expected], rtol=1e-6)


def test_rank_fusion_by_hand() -> None:
    candidates = candidate_mask(LEXICAL, DENSE)
    fused = rank_fusion(LEXICAL, DENSE, candidates)
    k = hybrid.RRF_K
    # BM25 ranks: item 1 first, item 2 second; cosine ranks: 2, 3, 1.
    expected = [0.0, 1 / (k + 1) + 1 / (k + 3), 1 / (k + 2) + 1 / (k + 1), 1 / (k + 2), 0.0]
    np.testing.assert_allclose(fused, [expected], rtol=1e-6)


def test_lexical_only_relevance_is_scaled_bm25() -> None:
    relevance = fuse(LEXICAL, None)
    np.testing.assert_allclose(relevance.scores, [[0.0, 1.0, 0.0, 0.0, 0.0]])
    assert relevance.candidates.sum() == 2  # item 2 is a candidate with the lowest score
