"""Ingest a raw behaviour log into the workspace: read, map, validate, write, register.

`preview_source` shows what a file looks like and how its columns would be mapped;
`ingest` does the whole job and returns the dataset with its `ValidationReport`. Every
row read ends up either in `events.parquet` or, with its reason, in `rejected.parquet`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from seqrec_core.duckdb_settings import scratch_connection
from seqrec_core.errors import InputError
from seqrec_core.ingest import (
    catalog_split,
    dataset_files,
    lookalike_ids,
    open_upload,
    validation_report,
)
from seqrec_core.ingest import column_mapping as mapping
from seqrec_core.ingest import pseudonymize as privacy
from seqrec_core.ingest.excel_parquet_jsonl import RowsRead
from seqrec_core.ingest.quality import ValidationReport
from seqrec_core.ingest.raw_files import path_size
from seqrec_core.ingest.readers import RawTable, read_table
from seqrec_core.ingest.row_validation import classify
from seqrec_core.store import DatasetInfo, Workspace, validate_name

Progress = Callable[[float, str], None]

_PREVIEW_ROWS = 200
SPOOL_FILE = ".rows.parquet"  # a big upload's rows, read piece by piece (`readers.read_table`)
_READ_START = 0.08  # the reading step's share of the progress bar: from here...
_MAP_START = 0.35  # ...to the next step's, which the reading step never reaches
_ROWS_HALF_WAY = 250_000  # rows read when the bar has crept half-way through that share


@dataclass(frozen=True)
class SourcePreview:
    """The first rows of a source file and how its columns would be mapped."""

    source_name: str
    columns: list[str]
    sample: pd.DataFrame
    mapping: dict[str, str | None]
    format: str
    encoding: str | None
    delimiter: str | None
    has_header: bool
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IngestResult:
    """The registered dataset, its report, and whether an identical ingest was reused."""

    dataset: DatasetInfo
    report: ValidationReport
    reused: bool


def preview_source(path: Path, display_name: str | None = None) -> SourcePreview:
    """Read the first rows of a source file and guess its column mapping."""
    raw = read_table(Path(path), display_name=display_name, sample_rows=_PREVIEW_ROWS)
    sample = raw.table.slice(0, 20).to_pandas().astype("string")
    return SourcePreview(
        source_name=raw.source_name,
        columns=list(raw.table.column_names),
        sample=sample,
        mapping=mapping.auto_mapping(raw.table, raw.has_header),
        format=raw.format,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        has_header=raw.has_header,
        warnings=list(raw.warnings),
    )


def ingest(
    path: Path,
    workspace: Workspace,
    name: str,
    *,
    display_name: str | None = None,
    items_path: Path | None = None,
    items_display_name: str | None = None,
    column_mapping: Mapping[str, str | None] | None = None,
    pseudonymize: bool = False,
    replace: bool = False,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest one event file (and optionally a catalog file) as dataset `name`.

    Args:
        path: the raw event file (any format `readers.read_table` knows).
        workspace: where the dataset is stored.
        name: dataset name (letters, digits, `-_.`).
        display_name: the file's name as the user knows it (messages and archive).
        items_path: an optional catalog file (item_id plus title/category/brand/price/...).
        column_mapping: overrides of the automatic mapping: source column → field (or
            None to keep the column as an extra).
        pseudonymize: replace user ids by a keyed hash (key kept in the workspace).
        replace: replace an existing dataset of the same name.
        progress: called with (fraction done, message).

    Returns:
        The registered dataset and its validation report.

    Raises:
        InputError: the file cannot be read, a required column is missing, or no row
            could be accepted.
        WorkspaceError: the name is invalid or taken.
    """
    report_progress = progress or (lambda fraction, message: None)
    validate_name(name)
    path = Path(path)
    display = display_name or path.name
    _check_sources([(path, display), (items_path, items_display_name or "catalog file")])
    report_progress(0.02, f"Archiving {display}")
    source_sha, fingerprint = _archive_sources(
        workspace, path, display, items_path, items_display_name, column_mapping, pseudonymize
    )
    existing = workspace.find_dataset(name)
    if existing is not None and existing.fingerprint == fingerprint:
        return IngestResult(existing, existing.report, reused=True)
    earlier = [d.name for d in workspace.datasets_from_source(source_sha) if d.name != name]

    # Everything is written to a staging folder and published by registering it: a
    # failure anywhere discards the folder, so no half-written dataset is ever visible.
    staging = workspace.new_staging_folder()
    try:
        spool = staging / SPOOL_FILE
        raw, columns = _read_and_map(path, display, column_mapping, report_progress, spool)
        report = _validate_and_write(
            raw,
            columns,
            staging,
            workspace,
            items_path,
            items_display_name,
            pseudonymize,
            report_progress,
        )
        spool.unlink(missing_ok=True)  # the rows are in events/rejected now
        report = validation_report.with_duplicates(report, earlier)
        report_progress(0.95, "Registering the dataset")
        dataset = workspace.register_dataset(
            name=name,
            staging=staging,
            source_name=display,
            source_sha256=source_sha,
            fingerprint=fingerprint,
            report=report,
            pseudonymized=pseudonymize,
            replace=replace,
        )
    except BaseException:
        workspace.discard_staging(staging)
        raise
    report_progress(1.0, "Done")
    return IngestResult(dataset, report, reused=False)


def _check_sources(sources: list[tuple[Path | None, str]]) -> None:
    """Each given file (path, shown name) exists and is within the upload size limit.

    Raises:
        InputError: a file is missing or too large.
    """
    limit = open_upload.max_upload_bytes()
    for given, shown in sources:
        if given is None:
            continue
        if not Path(given).exists():
            raise InputError("file not found", file=shown, hint="check the path and try again")
        # Checked before the raw file is archived: an oversized file never reaches the disk.
        open_upload.check_size(path_size(Path(given)), limit, shown)


def _archive_sources(
    workspace: Workspace,
    path: Path,
    display: str,
    items_path: Path | None,
    items_display_name: str | None,
    column_mapping: Mapping[str, str | None] | None,
    pseudonymize: bool,
) -> tuple[str, str]:
    """Archive the raw files: the event file's SHA-256 and the ingest's fingerprint.

    The fingerprint identifies an ingest: same bytes and same options give the same dataset.
    """
    source_sha = workspace.archive_upload(path, display)
    items_sha = None
    if items_path is not None:
        items_sha = workspace.archive_upload(Path(items_path), items_display_name or "items")
    options = {
        "source": source_sha,
        "items": items_sha,
        "mapping": dict(sorted((column_mapping or {}).items())),
        "pseudonymize": pseudonymize,
    }
    return source_sha, hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()


def _read_and_map(
    path: Path,
    display: str,
    overrides: Mapping[str, str | None] | None,
    progress: Progress,
    spool: Path,
) -> tuple[RawTable, mapping.ColumnMapping]:
    """The event file's rows and their column mapping (automatic plus overrides), checked.

    Raises:
        InputError: unreadable, a header without data rows, or a bad or missing mapping.
    """
    progress(_READ_START, f"Reading {display}")
    raw = read_table(
        path, display_name=display, on_rows=_reading_progress(display, progress), spool=spool
    )
    if raw.num_rows == 0 and not raw.malformed:
        raise InputError(
            "the file has a header but no data rows",
            file=display,
            hint="export the log again with its rows",
        )
    progress(_MAP_START, "Mapping columns")
    columns = mapping.auto_mapping(raw.table, raw.has_header)
    if overrides:
        columns = mapping.apply_overrides(columns, overrides)
    mapping.check_mapping(columns, raw.table, display)
    return raw, columns


def _reading_progress(display: str, progress: Progress) -> RowsRead:
    """Report the rows read so far as "Reading <file>: 120,000 rows so far".

    The total is not known while reading, so the fraction creeps towards the next step's
    (half-way there at `_ROWS_HALF_WAY` rows) and never reaches it.
    """

    def on_rows(rows: int) -> None:
        crept = rows / (rows + _ROWS_HALF_WAY)
        fraction = _READ_START + (_MAP_START - _READ_START) * crept
        progress(fraction, f"Reading {display}: {rows:,} rows so far")

    return on_rows


def _validate_and_write(
    raw: RawTable,
    columns: mapping.ColumnMapping,
    staging: Path,
    workspace: Workspace,
    items_path: Path | None,
    items_display_name: str | None,
    pseudonymize: bool,
    progress: Progress,
) -> ValidationReport:
    """Classify the rows, build the catalog, write events, items, rejects and the report.

    Raises:
        InputError: no row could be accepted (the files are written, then discarded).
    """
    con = scratch_connection()
    try:
        progress(0.45, "Validating rows")
        classified = classify(con, raw.table, raw.line_numbers, columns, spooled=raw.spooled)
        # Looked for before pseudonyms replace the user ids, which then look nothing alike.
        id_flags = lookalike_ids.lookalike_flags(con, show_user_examples=not pseudonymize)
        if pseudonymize:
            privacy.pseudonymize_users(con, workspace.pseudonym_key())
        progress(0.6, "Building the item catalog")
        inline = catalog_split.build_inline(con, classified.fields)
        if items_path is not None:
            items_raw = read_table(Path(items_path), display_name=items_display_name)
            outcome = catalog_split.merge_catalog_file(con, items_raw, inline)
        else:
            outcome = catalog_split.use_inline_only(con)
        progress(0.7, "Writing events")
        dataset_files.write_events(con, classified, staging / "events.parquet")
        if outcome.items and len(outcome.columns) > 1:
            dataset_files.write_items(con, staging / "items.parquet")
        dataset_files.write_rejected(
            con, classified, columns, raw, pseudonymize, staging / "rejected.parquet"
        )
        progress(0.85, "Summarising")
        report = validation_report.build(con, raw, columns, classified, outcome, id_flags)
        (staging / "report.json").write_text(json.dumps(report.to_dict(), indent=1))
        if report.rows_accepted == 0:
            raise InputError(
                f"none of the {report.rows_read} rows could be accepted "
                f"({validation_report.reason_summary(report)})",
                file=raw.source_name,
                hint="check the column mapping and the examples of rejected rows",
            )
        return report
    finally:
        con.close()
