"""Ingest: from an uploaded file to a validated dataset in the workspace.

The modules in the order an upload passes through them:

- `pipeline`: `ingest` and `preview_source`, the entry points that run every step below.
- `open_upload`: open a plain, gzip or zip upload within the size limit.
- `raw_files`: content hashes, sizes and harmless names of raw files.
- `sniff`: say what the raw bytes are (format, encoding, delimiter, header).
- `bytescan`: vectorised scans over raw text bytes (line breaks, quotes, records).
- `delimited_rows`: split delimited text into rows traced back to their physical line.
- `excel_parquet_jsonl`: readers for Excel and JSON Lines.
- `parquet_reading`: a Parquet file or folder of partitions, decoded in batches within limits.
- `spooled_text`: a big delimited text read block by block into a Parquet file.
- `spooled_parquet`: a big Parquet file or folder read batch by batch into that file.
- `readers`: read any supported table into one shape, `RawTable` (in memory or spooled).
- `column_mapping`: which source column feeds which canonical field.
- `column_casts`: DuckDB SQL that turns raw columns into typed canonical values.
- `row_validation`: give every row its fate (accepted, or rejected for one reason).
- `lookalike_ids`: flag ids that look alike but differ (Unicode form, invisible characters).
- `quality`: the data-quality vocabulary (reasons, warnings) and `ValidationReport`.
- `dataset_files`: the dataset's events, rejected rows and catalog, written as Parquet.
- `validation_report`: assemble an ingest's `ValidationReport` from its DuckDB tables.
- `catalog_split`: catalog fields split off the log, merged with a catalog file.
- `pseudonymize`: user ids replaced by a keyed hash before anything is stored.
- `sample`: the bundled sample shop, ingested into a workspace on first use.
- `user_exclusion`: a dataset's new version without some users (the bot-like ones).
- `leftovers`: what interrupted ingests and uploads leave behind, deleted once abandoned.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    """`seqrec_core.ingest` is this package and, called, the `pipeline.ingest` function.

    The package root has always offered `seqrec_core.ingest(path, workspace, name)`; a
    plain re-export would hide this subpackage behind the function (then
    `import seqrec_core.ingest.pipeline as p` fails), so the package itself is callable.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from seqrec_core.ingest.pipeline import ingest

        return ingest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
