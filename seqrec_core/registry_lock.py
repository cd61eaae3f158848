"""The registry's lock and retries: one connection at a time, across threads and processes.

DuckDB lets one process write a file, and threads of one process that attach and detach it
at once collide. So whoever opens the workspace registry first holds `workspace.lock`
(`hold_lock_file`: threads queue on a `threading.Lock`, then poll an exclusive flock that
other processes hold), and `open_registry` retries DuckDB's own "busy" errors; both wait
with a jittered, doubling backoff for at most `BUSY_RETRY_SECONDS`.
"""

from __future__ import annotations

import contextlib
import fcntl
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from seqrec_core.errors import WorkspaceError

# How long `connect` keeps retrying while the registry is busy, and its backoff steps.
BUSY_RETRY_SECONDS = 30.0
_BACKOFF_FIRST_SECONDS, _BACKOFF_MAX_SECONDS = 0.01, 0.2
# DuckDB errors that mean "another connection holds the file": another process's lock,
# or (in one process) a database being attached or detached by another thread.
_BUSY_ERRORS = (
    duckdb.ResourceInUseException,
    duckdb.ConnectionException,
    duckdb.TransactionException,
)
_BUSY_WORDS = ("lock", "already attached", "file handle conflict")
# Per thread: the lock files it holds, so that a nested `connect` does not wait on itself;
# per process: one thread lock per lock file, so that threads queue without polling.
_HELD = threading.local()
_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def open_registry(db_path: Path, deadline: float) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect` to the registry, retried while DuckDB reports it busy.

    Raises:
        WorkspaceError: still busy at `deadline` (`time.monotonic()`), or unreadable.
    """
    attempt = 0
    while True:
        try:
            return duckdb.connect(str(db_path))
        except duckdb.Error as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise registry_busy(db_path, str(exc)) from exc
        time.sleep(_backoff_seconds(attempt))
        attempt += 1


@contextlib.contextmanager
def hold_lock_file(path: Path, deadline: float) -> Iterator[None]:
    """Hold `path` exclusively until the block ends; re-entrant within a thread.

    Threads of this process queue on a `threading.Lock` (woken as soon as it is free);
    the thread that has it then polls an exclusive flock, which other processes hold.

    Raises:
        WorkspaceError: the lock was not free before `deadline` (`time.monotonic()`).
    """
    held: set[Path] = _HELD.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with _THREAD_LOCKS_GUARD:
        in_process = _THREAD_LOCKS.setdefault(path, threading.Lock())
    if not in_process.acquire(timeout=max(0.0, deadline - time.monotonic())):
        raise registry_busy(path, "another session of this app kept it")
    try:
        with path.open("a") as handle:
            attempt = 0
            while not _try_flock(handle.fileno()):
                if time.monotonic() > deadline:
                    raise registry_busy(path, "another process kept it")
                time.sleep(_backoff_seconds(attempt))
                attempt += 1
            held.add(path)
            try:
                yield
            finally:
                held.discard(path)
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        in_process.release()


def registry_busy(path: Path, detail: str) -> WorkspaceError:
    return WorkspaceError(
        f"the workspace registry {path} is busy or unreadable ({detail}); wait for other "
        "ingests or training runs to finish, then try again"
    )


def _try_flock(fd: int) -> bool:
    """Take an exclusive flock of `fd` without waiting; False when someone else holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_busy(error: duckdb.Error) -> bool:
    """Whether a DuckDB error means another connection holds the registry (worth a retry)."""
    text = str(error).lower()
    return isinstance(error, _BUSY_ERRORS) or any(word in text for word in _BUSY_WORDS)


def _backoff_seconds(attempt: int) -> float:
    """The pause before retry `attempt` (0-based): doubling from 10 ms up to 0.2 s, with
    jitter so that waiting processes do not retry in lockstep."""
    ceiling = min(_BACKOFF_MAX_SECONDS, _BACKOFF_FIRST_SECONDS * 2 ** min(attempt, 16))
    return random.uniform(ceiling / 2, ceiling)
