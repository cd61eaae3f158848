"""SeqRec Studio's engine: ingest behaviour logs, train and explain sequence recommenders.

Importable without Streamlit; `seqrec_core.ui` is the only subpackage that uses it. The
names below are the public surface. Ingestion and the workspace load at once; the model,
graph and recommendation parts (torch, networkx) load on first use, so `import
seqrec_core` stays quick for scripts that only ingest.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from seqrec_core.errors import (
    ConfigError,
    InputError,
    RunError,
    SeqRecError,
    WorkspaceError,
)
from seqrec_core.ingest import IngestResult, SourcePreview, ingest, preview_source
from seqrec_core.quality import ValidationReport
from seqrec_core.store import DatasetInfo, Workspace, default_workspace_path

# name → module, imported on first access (PEP 562).
_LAZY = {
    "MODELS": "seqrec_core.models",
    "build_model": "seqrec_core.models",
    "prepare_dataset": "seqrec_core.prepare",
    "build_model_for": "seqrec_core.prepare",
    "TrainConfig": "seqrec_core.train",
    "train": "seqrec_core.train",
    "evaluate": "seqrec_core.evaluate",
    "launch_run": "seqrec_core.worker",
    "cancel_run": "seqrec_core.worker",
    "get_run": "seqrec_core.runs",
    "list_runs": "seqrec_core.runs",
    "load_run": "seqrec_core.trained",
    "evaluate_run": "seqrec_core.trained",
    "Event": "seqrec_core.recommend",
    "RunRecommender": "seqrec_core.recommend",
    "Filters": "seqrec_core.item_table",
    "rank_diff": "seqrec_core.whatif",
    "build_graph": "seqrec_core.kg",
    "user_profile": "seqrec_core.kg_profile",
    "explain_paths": "seqrec_core.kg_paths",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'seqrec_core' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "DatasetInfo",
    "IngestResult",
    "InputError",
    "RunError",
    "SeqRecError",
    "SourcePreview",
    "ValidationReport",
    "Workspace",
    "WorkspaceError",
    "default_workspace_path",
    "ingest",
    "preview_source",
    *_LAZY,
]
