"""The settings of every DuckDB connection, and DuckDB's share of the memory budget.

`duckdb_settings` is what `scratch_connection` and `store.Workspace.connect` run first:
UTC, no progress bar, a memory limit of `DUCKDB_SHARE` of the budget
(`SEQREC_MEMORY_BUDGET_MB`, `memory_budget_mb`) and a spill folder outside the app's
working directory (`duckdb_spill_folder`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

# The memory one ingest (or any DuckDB work of the app) may take, in MiB; DuckDB gets
# `DUCKDB_SHARE` of it and spills what does not fit to `duckdb_spill_folder()`, the rest
# is for the Arrow and pandas data around it. On the 10M-event log of benchmarks/scale.py
# (461 MiB of CSV) ingest peaked at 3.1 GiB with DuckDB's own default (80% of RAM), and at
# 1.8 GiB with this limit (1.25 GiB once the text was read block by block, `spooled_text`).
MEMORY_BUDGET_ENV = "SEQREC_MEMORY_BUDGET_MB"
DEFAULT_MEMORY_BUDGET_MB = 2048
DUCKDB_SHARE = 0.4


def memory_budget_mb() -> int:
    """The memory budget in MiB: env `SEQREC_MEMORY_BUDGET_MB`, else 2048 (at least 256)."""
    raw = os.environ.get(MEMORY_BUDGET_ENV, "").strip()
    budget = int(raw) if raw.isdigit() else DEFAULT_MEMORY_BUDGET_MB
    return max(budget, 256)


def duckdb_spill_folder() -> Path:
    """Where DuckDB writes what does not fit in its share of the budget (never the cwd)."""
    return Path(tempfile.gettempdir()) / "seqrec-duckdb"


def duckdb_settings() -> str:
    """Every DuckDB connection: UTC, no progress bar (it would write to stdout, which
    belongs to the CLI's single JSON answer), its share of the memory budget, and a
    spill folder (DuckDB's default is `.tmp` in whatever folder the app runs from)."""
    limit = int(memory_budget_mb() * DUCKDB_SHARE)
    spill = str(duckdb_spill_folder()).replace("'", "''")
    return (
        "SET TimeZone = 'UTC'; SET enable_progress_bar = false; "
        f"SET memory_limit = '{limit}MiB'; SET temp_directory = '{spill}'"
    )


def scratch_connection() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection with the project's settings."""
    con = duckdb.connect()
    con.execute(duckdb_settings())
    return con
