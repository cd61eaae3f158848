"""Products most like a given one, by the cosine of their item text vectors (pure numpy).

The vectors are rows of a matrix (an `ItemTextVectors.matrix`, say, whose row 0 is
padding). A row without text is all zeros, or is marked false in `has_text`; such rows are
never answers, and a query row without text has no neighbours. Ties keep row order, so
the answer is the same on every run.
"""

from __future__ import annotations

import numpy as np


def nearest(
    matrix: np.ndarray, row: int, k: int, has_text: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The `k` rows of `matrix` most like row `row` by cosine similarity.

    Args:
        matrix: (N, D) vectors, one row per item (need not be unit length).
        row: the query row, 0 <= row < N.
        k: how many neighbours at most (fewer when fewer rows have text).
        has_text: (N,) bool, the rows that hold a vector; default: the non-zero rows.

    Returns:
        (indices, scores): up to `k` row indices, most alike first, never `row` itself nor
        a row without text, and their cosine similarities in [-1, 1] (float32). Both are
        empty when `row` has no text or `k` <= 0.

    Raises:
        IndexError: `row` is outside the matrix.
    """
    if not -len(matrix) <= row < len(matrix):
        raise IndexError(f"row {row} is outside a matrix of {len(matrix)} rows")
    row = row % len(matrix)
    norms = np.linalg.norm(matrix, axis=1)  # (N,)
    usable = norms > 0 if has_text is None else np.asarray(has_text, dtype=bool) & (norms > 0)
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if k <= 0 or not usable[row]:
        return empty
    candidates = np.flatnonzero(usable)
    candidates = candidates[candidates != row]
    if len(candidates) == 0:
        return empty
    query = matrix[row] / norms[row]  # (D,)
    scores = (matrix[candidates] @ query) / norms[candidates]  # (C,)
    order = np.argsort(-scores, kind="stable")[:k]
    return candidates[order].astype(np.int64), np.clip(scores[order], -1.0, 1.0).astype(np.float32)
