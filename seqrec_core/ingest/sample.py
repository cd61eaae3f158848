"""The bundled sample shop (`sample_data/`), ingested into a workspace on first use."""

from __future__ import annotations

from pathlib import Path

from seqrec_core.ingest.pipeline import ingest
from seqrec_core.store import DatasetInfo, Workspace

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_DATASET = "sample-shop"


def ensure_sample(workspace: Workspace) -> DatasetInfo:
    """The bundled sample shop as dataset `sample-shop` of `workspace`, ingested if missing."""
    existing = workspace.find_dataset(SAMPLE_DATASET)
    if existing is not None:
        return existing
    return ingest(
        SAMPLE_DIR / "events.csv.gz",
        workspace,
        SAMPLE_DATASET,
        items_path=SAMPLE_DIR / "items.csv",
    ).dataset
