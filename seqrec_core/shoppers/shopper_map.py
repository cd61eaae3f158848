"""A map of the customer base: shopper vectors projected to two dimensions (PCA).

PCA (scikit-learn) is fitted on the vectors scaled to length 1 (as segments are), on a
fixed sample of at most `FIT_SAMPLE` shoppers; at most `MAX_DRAWN` shoppers are drawn, a
fixed seeded sample when there are more, so a map of millions draws as fast as one of
thousands. The two axes' shares of the variance say how much of the picture the map keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from seqrec_core.shoppers.representations import ShopperVectors, sample_rows

MAX_DRAWN = 20_000
FIT_SAMPLE = 50_000


@dataclass(frozen=True)
class ShopperMap:
    """Drawn shoppers with their map position.

    Attributes:
        rows: (N,) rows of the drawn shoppers in the run's user order.
        points: `user_id`, `x`, `y`, one line per drawn shopper.
        total: all shoppers of the run.
        explained: the share of the variance along x and along y.
    """

    rows: np.ndarray
    points: pd.DataFrame
    total: int
    explained: tuple[float, float]

    @property
    def sampled(self) -> bool:
        return len(self.rows) < self.total


def shopper_map(
    vectors: ShopperVectors, *, max_drawn: int = MAX_DRAWN, seed: int = 0
) -> ShopperMap:
    """Project the shoppers to 2-D and pick those to draw."""
    unit = vectors.unit.numpy()
    rows = sample_rows(len(unit), max_drawn, seed)
    if len(unit) < 3:
        xy = np.zeros((len(rows), 2))
        explained = (0.0, 0.0)
    else:
        pca = PCA(n_components=2, random_state=seed).fit(
            unit[sample_rows(len(unit), FIT_SAMPLE, seed)]
        )
        xy = pca.transform(unit[rows])
        explained = tuple(float(v) for v in pca.explained_variance_ratio_[:2])
    points = pd.DataFrame(
        {"user_id": [vectors.users[r] for r in rows], "x": xy[:, 0], "y": xy[:, 1]}
    )
    return ShopperMap(rows, points, len(unit), explained)  # type: ignore[arg-type]
