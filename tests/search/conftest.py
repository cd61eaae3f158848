"""Shops with trained runs and their search engines, shared by the search tests.

`tiny` is the ring shop of tests/support/tiny_shop.py with a small text-aware SASRec (dense
vectors from the model); `chains` is the chain shop of tests/support/chain_shop.py with the
transition baseline `cooc`, an id-only run (dense vectors computed from the catalog), whose
scores a test can state exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seqrec_core.runs.trained_run import load_run
from seqrec_core.search.engine import SearchEngine
from seqrec_core.store import Workspace
from tests.support.chain_shop import chain_shop
from tests.support.tiny_shop import small_sasrec, tiny_workspace


@dataclass(frozen=True)
class Shop:
    workspace: Workspace
    run: str
    engine: SearchEngine


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    workspace = tiny_workspace(tmp_path_factory.mktemp("search-tiny"))
    run = small_sasrec(workspace)
    return Shop(workspace, run, SearchEngine.from_run(workspace, load_run(workspace, run)))


@pytest.fixture(scope="session")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    workspace, run = chain_shop(tmp_path_factory.mktemp("search-chains"))
    return Shop(workspace, run, SearchEngine.from_run(workspace, load_run(workspace, run)))
