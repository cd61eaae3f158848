"""The planted shop with a trained SASRec, shared by the shopper tests.

Three groups of shoppers (tests/support/planted_shop.py), each shopping only in its own
category and brand; a small SASRec trained on it for a few epochs represents the groups
apart, so lookalike audiences, segments and the map can be checked against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from seqrec_core.runs.trained_run import LoadedRun, load_run
from seqrec_core.shoppers.representations import ShopperVectors, compute_shopper_vectors
from seqrec_core.store import Workspace
from tests.support.planted_shop import planted_workspace, train_planted


@dataclass(frozen=True)
class Planted:
    workspace: Workspace
    run: str
    loaded: LoadedRun
    vectors: ShopperVectors

    def truth(self) -> np.ndarray:
        """(U,) the planted group of each shopper row (from the id `g{group}u{nn}`)."""
        return np.array([int(user[1]) for user in self.vectors.users])


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    workspace = planted_workspace(tmp_path_factory.mktemp("shoppers-planted"))
    run = train_planted(
        workspace, "sasrec", "hidden_size=16", "num_heads=2", "inner_size=24", "max_len=8"
    )
    loaded = load_run(workspace, run)
    return Planted(workspace, run, loaded, compute_shopper_vectors(loaded))
