"""Checks shared by the ingest tests that compare two ways of reading one file."""

from __future__ import annotations

import pandas as pd

from seqrec_core.ingest.pipeline import SPOOL_FILE
from seqrec_core.store import Workspace


def assert_same_dataset(a: Workspace, b: Workspace, name: str = "d") -> None:
    """Dataset `name` has the same events, rejected rows and report in both workspaces,
    and `b`'s spool (if it had one) is gone."""
    pd.testing.assert_frame_equal(a.read_events(name), b.read_events(name))
    pd.testing.assert_frame_equal(a.read_rejected(name), b.read_rejected(name))
    assert a.get_dataset(name).report.to_dict() == b.get_dataset(name).report.to_dict()
    assert not (b.get_dataset(name).folder / SPOOL_FILE).exists()
