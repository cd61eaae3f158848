"""SeqRec Studio's engine: ingest behaviour logs, train and explain sequence recommenders.

Importable without Streamlit; `seqrec_core.ui` is the only subpackage that uses it.
"""

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
]
