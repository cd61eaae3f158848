"""similar_items.nearest: known cosine answers on a tiny odd-sized matrix, the item itself
and rows without text never returned, stable ties, k beyond the rows."""

from __future__ import annotations

import numpy as np
import pytest

from seqrec_core.text.similar_items import nearest

# Row 0 padding (zeros), rows 1..6 items; row 4 has no text. Lengths differ on purpose:
# cosine must not depend on them.
MATRIX = np.array(
    [
        [0.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],  # 1: x axis
        [2.0, 2.0, 0.0],  # 2: 45° from 1 → cos 0.7071
        [0.0, 3.0, 0.0],  # 3: y axis → cos 0 with 1
        [0.0, 0.0, 0.0],  # 4: no text
        [-5.0, 0.0, 0.0],  # 5: opposite of 1 → cos -1
        [0.5, 0.0, 0.0],  # 6: same direction as 1 → cos 1
    ],
    dtype=np.float32,
)


def test_known_cosines_most_alike_first_without_the_item_itself() -> None:
    rows, scores = nearest(MATRIX, 1, k=10)
    assert rows.tolist() == [6, 2, 3, 5]  # never 1 itself, never 0 or 4 (no text)
    np.testing.assert_allclose(scores, [1.0, np.sqrt(0.5), 0.0, -1.0], atol=1e-6)
    assert scores.dtype == np.float32


def test_k_limits_the_answer() -> None:
    rows, scores = nearest(MATRIX, 3, k=2)
    assert rows.tolist() == [2, 1]  # cos 0.7071, then 0 (1 ties with 5 and 6; row order)
    assert len(scores) == 2


def test_ties_keep_row_order() -> None:
    tied = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 3.0]], dtype=np.float32)
    rows, _ = nearest(tied, 0, k=3)
    assert rows.tolist() == [1, 2, 3]


def test_has_text_mask_excludes_rows_even_with_a_vector() -> None:
    has_text = np.array([False, True, True, True, False, True, False])
    rows, _ = nearest(MATRIX, 1, k=10, has_text=has_text)
    assert rows.tolist() == [2, 3, 5]  # 6 is masked out


@pytest.mark.parametrize("row", [0, 4])
def test_a_row_without_text_has_no_neighbours(row: int) -> None:
    rows, scores = nearest(MATRIX, row, k=5)
    assert rows.size == 0 and scores.size == 0


def test_no_other_row_with_text_and_zero_k() -> None:
    alone = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    assert nearest(alone, 1, k=3)[0].size == 0
    assert nearest(MATRIX, 1, k=0)[0].size == 0


def test_a_row_outside_the_matrix_is_an_index_error() -> None:
    with pytest.raises(IndexError):
        nearest(MATRIX, 7, k=3)
