"""The workspace: one DuckDB registry file, Parquet datasets and archived raw uploads.

Layout of a workspace folder::

    workspace.duckdb            registry (datasets, uploads; later runs and reviews)
    workspace.lock              held (flock) by whoever has the registry open
    uploads/<sha256>/<name>     every raw upload, byte for byte
    datasets/<folder>/          events.parquet, items.parquet, rejected.parquet, report.json
    secret/pseudonym.key        key of the keyed hash used to pseudonymise user ids

A dataset becomes visible only when its registry row is committed, after all of its
files are complete on disk, so a crash mid-ingest never leaves half a dataset; the name
check and the row's insert share one transaction, so of two ingests racing for one name
exactly one wins. What an interrupted ingest leaves (`.staging-*` folders, `.partial`
copies) is deleted once nobody has written to it for an hour (`ingest.leftovers`), when a
workspace opens and after a failed ingest. Connections to the registry are short-lived,
because the app's sessions and the worker processes share the file. One connection at a
time, across threads and processes, holds `workspace.lock`: DuckDB lets one process write
a file, and threads of one process that attach and detach it at once collide. Waiting for
the lock, and for DuckDB itself when someone else has the file open, retries with a
bounded backoff for up to 30 s (`registry_lock`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from seqrec_core.duckdb_settings import duckdb_settings
from seqrec_core.errors import WorkspaceError
from seqrec_core.ingest.leftovers import remove_stale
from seqrec_core.ingest.quality import ValidationReport
from seqrec_core.ingest.raw_files import path_size, safe_filename, sha256_path
from seqrec_core.registry_lock import BUSY_RETRY_SECONDS, hold_lock_file, open_registry

REPO_ROOT = Path(__file__).resolve().parents[1]

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # used with fullmatch

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    name VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    source_name VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    folder VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    users BIGINT NOT NULL,
    items BIGINT NOT NULL,
    pseudonymized BOOLEAN NOT NULL,
    report_json VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    sha256 VARCHAR PRIMARY KEY,
    original_name VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    archived_path VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL
);
"""


@dataclass(frozen=True)
class DatasetInfo:
    """One registered dataset and where its files are."""

    name: str
    created_at: datetime
    source_name: str
    source_sha256: str
    fingerprint: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    users: int
    items: int
    pseudonymized: bool
    folder: Path
    report: ValidationReport

    @property
    def events_path(self) -> Path:
        return self.folder / "events.parquet"

    @property
    def items_path(self) -> Path | None:
        path = self.folder / "items.parquet"
        return path if path.exists() else None

    @property
    def rejected_path(self) -> Path:
        return self.folder / "rejected.parquet"


def default_workspace_path() -> Path:
    """The workspace folder: env `SEQREC_WORKSPACE`, else `<repo>/workspace`."""
    return Path(os.environ.get("SEQREC_WORKSPACE") or REPO_ROOT / "workspace").expanduser()


def validate_name(name: str, what: str = "dataset") -> str:
    """Return `name` if it is a safe identifier, else raise WorkspaceError with the rule."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise WorkspaceError(
            f"invalid {what} name {name!r}: use 1-64 letters, digits, '-', '_' or '.', "
            "starting with a letter or digit"
        )
    return name


class Workspace:
    """A workspace folder; open it with `Workspace.open(path)`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / "workspace.duckdb"
        self.lock_path = root / "workspace.lock"

    @classmethod
    def open(cls, root: Path | str | None = None) -> Workspace:
        """Open (creating if needed) the workspace at `root` or the default location."""
        path = Path(root) if root is not None else default_workspace_path()
        for sub in ("uploads", "datasets", "secret"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        workspace = cls(path.resolve())
        with workspace.connect() as con:
            con.execute(_SCHEMA)
        workspace.remove_stale_leftovers()
        return workspace

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived registry connection, the only one open while it lasts; waits (up
        to 30 s, with a growing pause between tries) while another thread or process has
        the registry.

        Raises:
            WorkspaceError: the registry stayed busy, or cannot be opened at all.
        """
        deadline = time.monotonic() + BUSY_RETRY_SECONDS
        with hold_lock_file(self.lock_path, deadline):
            con = open_registry(self.db_path, deadline)
            try:
                con.execute(duckdb_settings())
                yield con
            finally:
                con.close()

    # -- datasets ---------------------------------------------------------------------

    def list_datasets(self) -> list[DatasetInfo]:
        """Every registered dataset, newest first."""
        with self.connect() as con:
            rows = con.execute("SELECT * FROM datasets ORDER BY created_at DESC").fetchdf()
        return [self._info(row) for row in rows.to_dict("records")]

    def get_dataset(self, name: str) -> DatasetInfo:
        """The dataset called `name`; WorkspaceError naming the known ones if absent."""
        with self.connect() as con:
            rows = con.execute("SELECT * FROM datasets WHERE name = ?", [name]).fetchdf()
        if rows.empty:
            known = ", ".join(d.name for d in self.list_datasets()) or "none yet"
            raise WorkspaceError(f"no dataset named {name!r} in {self.root} (known: {known})")
        return self._info(rows.to_dict("records")[0])

    def find_dataset(self, name: str) -> DatasetInfo | None:
        """The dataset called `name`, or None."""
        try:
            return self.get_dataset(name)
        except WorkspaceError:
            return None

    def datasets_from_source(self, sha256: str) -> list[DatasetInfo]:
        """Datasets ingested from the raw file with this sha256."""
        return [d for d in self.list_datasets() if d.source_sha256 == sha256]

    def read_events(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The accepted events of a dataset, sorted by user and time."""
        return pd.read_parquet(self.get_dataset(name).events_path, columns=columns)

    def first_shoppers(self, name: str, count: int = 3) -> list[str]:
        """The first `count` shopper ids of a dataset (by id), e.g. for an error's hint."""
        events = pq.ParquetFile(self.get_dataset(name).events_path)
        if events.metadata.num_row_groups == 0:
            return []
        users = events.read_row_group(0, columns=["user_id"]).column("user_id")
        return [str(u) for u in pd.unique(users.to_pandas())[:count]]

    def read_items(self, name: str) -> pd.DataFrame:
        """The item catalog of a dataset (an empty frame with `item_id` if there is none)."""
        path = self.get_dataset(name).items_path
        if path is None:
            return pd.DataFrame({"item_id": pd.Series([], dtype="string")})
        return pd.read_parquet(path)

    def read_rejected(self, name: str) -> pd.DataFrame:
        """The rejected rows of a dataset with line, reason, column and message."""
        return pd.read_parquet(self.get_dataset(name).rejected_path)

    def new_staging_folder(self) -> Path:
        """A fresh folder for a dataset being written; invisible until `register_dataset`."""
        folder = self.root / "datasets" / f".staging-{uuid.uuid4().hex}"
        folder.mkdir(parents=True)
        return folder

    def register_dataset(
        self,
        *,
        name: str,
        staging: Path,
        source_name: str,
        source_sha256: str,
        fingerprint: str,
        report: ValidationReport,
        pseudonymized: bool,
        replace: bool = False,
    ) -> DatasetInfo:
        """Publish a completely written staging folder as dataset `name` (atomically).

        Raises:
            WorkspaceError: the name is invalid, or taken and `replace` is False (also when
                another ingest publishes the same name at the same moment).
        """
        validate_name(name)
        final = staging.with_name(f"{safe_filename(name)}-{uuid.uuid4().hex[:8]}")
        _fsync_tree(staging)
        os.replace(staging, final)
        row = {
            "name": name,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
            "source_name": source_name,
            "source_sha256": source_sha256,
            "fingerprint": fingerprint,
            "folder": final.name,
            "rows_read": report.rows_read,
            "rows_accepted": report.rows_accepted,
            "rows_rejected": report.rows_rejected,
            "users": report.users,
            "items": report.items,
            "pseudonymized": pseudonymized,
            "report_json": json.dumps(report.to_dict()),
        }
        try:
            previous = self._insert_dataset_row(row, replace=replace)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        if previous is not None:
            shutil.rmtree(self.root / "datasets" / previous, ignore_errors=True)
        return self.get_dataset(name)

    def _insert_dataset_row(self, row: dict[str, Any], *, replace: bool) -> str | None:
        """Check the name and insert the row in one transaction; the replaced folder's name.

        Connections are serialised (see `connect`), and the primary key on `name` would
        still make the loser of a race fail rather than silently replace the winner.
        """
        name = row["name"]
        with self.connect() as con:
            try:
                con.execute("BEGIN TRANSACTION")
                found = con.execute("SELECT folder FROM datasets WHERE name = ?", [name]).fetchone()
                if found is not None and not replace:
                    raise _name_taken(name)
                con.execute("DELETE FROM datasets WHERE name = ?", [name])
                con.execute(
                    f"INSERT INTO datasets ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    list(row.values()),
                )
                con.execute("COMMIT")
            except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
                raise WorkspaceError(
                    f"another ingest published a dataset named {name!r} at the same moment; "
                    "choose another name, or try again"
                ) from exc
        return found[0] if found is not None else None

    def discard_staging(self, staging: Path) -> None:
        """Remove a staging folder after a failed ingest (and stale ones of earlier ones)."""
        shutil.rmtree(staging, ignore_errors=True)
        self.remove_stale_leftovers()

    def remove_stale_leftovers(self) -> list[Path]:
        """Delete the staging folders and partial upload copies of interrupted ingests.

        Only leftovers nobody has written to for `leftovers.STALE_SECONDS` go: an ingest still
        running keeps writing into its folder.

        Returns:
            The removed paths.
        """
        leftovers = [
            *(self.root / "datasets").glob(".staging-*"),
            *(self.root / "uploads").glob("*/.*.partial"),
        ]
        return remove_stale(leftovers)

    # -- raw uploads ------------------------------------------------------------------

    def archive_upload(self, path: Path, display_name: str) -> str:
        """Copy a raw upload (a file, or a folder of Parquet files) byte for byte into the
        archive, once per content; returns its sha256."""
        digest = sha256_path(path)
        target = self.root / "uploads" / digest / safe_filename(display_name)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        if path.is_dir():
            shutil.copytree(path, partial, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, partial)
        os.replace(partial, target)
        with self.connect() as con:
            con.execute(
                "INSERT OR IGNORE INTO uploads VALUES (?, ?, ?, ?, ?)",
                [
                    digest,
                    display_name,
                    path_size(path),
                    str(target.relative_to(self.root)),
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )
        return digest

    # -- privacy ----------------------------------------------------------------------

    def pseudonym_key(self) -> bytes:
        """The workspace's secret key for pseudonymising user ids (created on first use)."""
        path = self.root / "secret" / "pseudonym.key"
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.write_bytes(secrets.token_bytes(32))
            partial.chmod(0o600)
            os.replace(partial, path)
        return path.read_bytes()

    def _info(self, row: dict[str, Any]) -> DatasetInfo:
        return DatasetInfo(
            name=row["name"],
            created_at=row["created_at"],
            source_name=row["source_name"],
            source_sha256=row["source_sha256"],
            fingerprint=row["fingerprint"],
            rows_read=int(row["rows_read"]),
            rows_accepted=int(row["rows_accepted"]),
            rows_rejected=int(row["rows_rejected"]),
            users=int(row["users"]),
            items=int(row["items"]),
            pseudonymized=bool(row["pseudonymized"]),
            folder=self.root / "datasets" / row["folder"],
            report=ValidationReport.from_dict(json.loads(row["report_json"])),
        )


def _name_taken(name: str) -> WorkspaceError:
    return WorkspaceError(
        f"a dataset named {name!r} already exists (the name is taken); choose another name, "
        "or replace it"
    )


def _fsync_tree(folder: Path) -> None:
    """Flush every file of a folder to disk before it is published."""
    for path in folder.iterdir():
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
