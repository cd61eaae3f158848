"""SeqRec Studio's engine: ingest behaviour logs, train and explain sequence recommenders.

Subpackages, in the order data flows (upload → dataset → training → run → recommend /
explain / profile → report); each package docstring lists its modules:

- `ingest`: an upload becomes a validated dataset (open, sniff, read, map, validate, report).
- `store`: the workspace (one DuckDB registry, Parquet datasets, archived uploads);
  `registry_lock`: one registry connection at a time, with bounded retries.
- `data`: a dataset as models and profiles read it (profile, sequences, vocabularies).
- `text`: the pretrained sentence encoder, item text and its cached vectors, own embeddings.
- `models`: SASRec, BERT4Rec, GRU4Rec and the baselines behind one interface; checkpoints.
- `training`: the training loop, its config and resumable state, devices, evaluation.
- `runs`: the run registry, worker processes, and loading a finished run.
- `recommend`: top-K with filters and cold start, what-if edits, segment previews.
- `search`: BM25 + dense retrieval over item text, personalised blending, evaluation.
- `shoppers`: shopper representations, similar shoppers, lookalike audiences, segments, map.
- `explain`: attention, Integrated Gradients, occlusion, faithfulness, counterfactuals.
- `kg`: the knowledge graph and a shopper's KG-enriched profile, interests and paths.
- `figures`: pure plotly figure functions shared by the pages and the report.
- `report`: the explainability review report (one HTML file).
- `cli`: `python -m seqrec_core ...`, one module per command group.
- `ui`: the only Streamlit code outside `app.py` and `pages/`.
- `errors`, `schema`, `checks`: the error hierarchy, canonical columns and vocabularies,
  config-field validation.
- `duckdb_settings`: every DuckDB connection's settings and its share of the memory budget.

Importable without Streamlit or torch: the names below are the public surface. Ingestion
and the workspace load at once; the model, graph and recommendation parts (torch,
networkx) load on first use, so `import seqrec_core` stays quick for scripts that only
ingest.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from seqrec_core import ingest  # the package, callable as the ingest function
from seqrec_core.errors import (
    ConfigError,
    InputError,
    RunError,
    SeqRecError,
    WorkspaceError,
)
from seqrec_core.ingest.pipeline import IngestResult, SourcePreview, preview_source
from seqrec_core.ingest.quality import ValidationReport
from seqrec_core.store import DatasetInfo, Workspace, default_workspace_path

# name → module, imported on first access (PEP 562).
_LAZY = {
    "MODELS": "seqrec_core.models",
    "build_model": "seqrec_core.models",
    "prepare_dataset": "seqrec_core.data.prepare",
    "build_model_for": "seqrec_core.data.prepare",
    "TrainConfig": "seqrec_core.training.loop",
    "train": "seqrec_core.training.loop",
    "evaluate": "seqrec_core.training.evaluation",
    "launch_run": "seqrec_core.runs.worker",
    "cancel_run": "seqrec_core.runs.cancel",
    "get_run": "seqrec_core.runs.registry",
    "list_runs": "seqrec_core.runs.registry",
    "load_run": "seqrec_core.runs.trained_run",
    "evaluate_run": "seqrec_core.runs.trained_run",
    "Event": "seqrec_core.recommend.recommender",
    "RunRecommender": "seqrec_core.recommend.recommender",
    "Filters": "seqrec_core.recommend.item_table",
    "rank_diff": "seqrec_core.recommend.whatif",
    "build_graph": "seqrec_core.kg.graph",
    "user_profile": "seqrec_core.kg.shopper_profile",
    "explain_paths": "seqrec_core.kg.paths",
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
