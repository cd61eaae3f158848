"""Leave users out of a dataset as a new version of it, the original kept unchanged.

The validation report flags bot-like users (`heavy_user`) and advises removing them;
`exclude_bot_like_users` does so in one call. `bot_like_users` finds them by the report's
own rule (`validation_report.heavy_user_counts`) over the dataset's events, and
`exclude_users` publishes the version through the same path as an ingest (a staging
folder, then `Workspace.register_dataset`): the events without the users' rows, the
users' rows added to the rejected rows with reason `excluded_user` (so every row of the
file is still accounted for), the catalog copied, and a report counted over what is left.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from seqrec_core.duckdb_settings import scratch_connection
from seqrec_core.errors import InputError
from seqrec_core.ingest.quality import MAX_EXAMPLES, Flag, Issue, ValidationReport
from seqrec_core.ingest.validation_report import heavy_user_counts
from seqrec_core.store import DatasetInfo, Workspace, validate_name

NO_BOTS_SUFFIX = "-no-bots"
EXCLUDED_REASON = "excluded_user"
_MAX_NAME = 64  # `store.validate_name`'s limit


@dataclass(frozen=True)
class ExclusionResult:
    """The published version, how many users and events it left out, and whether an
    identical version already existed (then nothing was written)."""

    dataset: DatasetInfo
    users: int
    events: int
    reused: bool


def bot_like_users(events_path: Path) -> pd.DataFrame:
    """The users the validation report calls bot-like, most active first.

    Returns:
        Columns `user_id`, `events` and `share` (of all the dataset's events).
    """
    con = scratch_connection()
    try:
        con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({_sql_str(events_path)})")
        rows = heavy_user_counts(con, "events")
        total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    frame = pd.DataFrame(rows, columns=["user_id", "events"]).astype({"events": "int64"})
    frame["share"] = frame["events"] / total if total else 0.0
    return frame


def no_bots_name(name: str) -> str:
    """The name of `name`'s version without bot-like users: `<name>-no-bots`."""
    return name[: _MAX_NAME - len(NO_BOTS_SUFFIX)] + NO_BOTS_SUFFIX


def exclude_bot_like_users(workspace: Workspace, name: str) -> ExclusionResult:
    """Publish `<name>-no-bots`: dataset `name` without its bot-like users.

    Raises:
        InputError: the dataset has no bot-like users.
        WorkspaceError: no dataset `name`, or `<name>-no-bots` exists and was made
            differently (e.g. before `name` was replaced).
    """
    info = workspace.get_dataset(name)
    users = list(bot_like_users(info.events_path)["user_id"])
    if not users:
        raise InputError(
            f"dataset {name!r} has no bot-like users to exclude",
            hint="nothing to do: the validation report flagged no user",
        )
    return exclude_users(workspace, name, users, new_name=no_bots_name(name), kind="bot-like user")


def exclude_users(
    workspace: Workspace,
    name: str,
    user_ids: Sequence[str],
    *,
    new_name: str,
    kind: str = "user",
) -> ExclusionResult:
    """Publish dataset `new_name`: dataset `name` without the events of `user_ids`.

    Args:
        workspace: holds both datasets.
        name: the dataset to start from (left unchanged).
        user_ids: the users to leave out, as stored (pseudonyms if the dataset has them).
        new_name: the new version's name.
        kind: what the users are, for the new report's note ("bot-like user").

    Returns:
        The new dataset; `reused` when an identical version was already published.

    Raises:
        InputError: no user to exclude, or excluding them would leave no event.
        WorkspaceError: an invalid or taken `new_name`, or no dataset `name`.
    """
    validate_name(new_name)
    info = workspace.get_dataset(name)
    excluded = sorted({str(u) for u in user_ids})
    if not excluded:
        raise InputError("no user to exclude", hint="pick at least one user")
    fingerprint = _fingerprint(info.fingerprint, excluded)
    existing = workspace.find_dataset(new_name)
    if existing is not None and existing.fingerprint == fingerprint:
        dropped = existing.report.rejected_by_reason.get(EXCLUDED_REASON, 0)
        return ExclusionResult(existing, len(excluded), dropped, reused=True)
    staging = workspace.new_staging_folder()
    try:
        report = _write_version(info, excluded, staging, kind)
        dataset = workspace.register_dataset(
            name=new_name,
            staging=staging,
            source_name=info.source_name,
            source_sha256=info.source_sha256,
            fingerprint=fingerprint,
            report=report,
            pseudonymized=info.pseudonymized,
        )
    except BaseException:
        workspace.discard_staging(staging)
        raise
    events = report.rejected_by_reason[EXCLUDED_REASON]
    return ExclusionResult(dataset, len(excluded), events, reused=False)


def _write_version(
    info: DatasetInfo, excluded: list[str], staging: Path, kind: str
) -> ValidationReport:
    """Write the version's files into `staging` and return its report.

    Raises:
        InputError: every event belongs to an excluded user.
    """
    con = scratch_connection()
    try:
        con.execute(
            f"CREATE VIEW source AS SELECT * FROM read_parquet({_sql_str(info.events_path)})"
        )
        con.register("excluded_ids", pd.DataFrame({"user_id": excluded}, dtype="string"))
        con.execute(
            "CREATE TEMP TABLE flagged AS SELECT s.*, s.user_id IN "
            "(SELECT user_id FROM excluded_ids) AS _out FROM source s"
        )
        kept = con.execute("SELECT count(*) FROM flagged WHERE NOT _out").fetchone()[0]
        if kept == 0:
            raise InputError(
                f"excluding these {len(excluded):,} users would leave dataset "
                f"{info.name!r} without events",
                hint="exclude fewer users",
            )
        _copy(
            con,
            "SELECT * EXCLUDE (_out) FROM flagged WHERE NOT _out ORDER BY user_id, timestamp, line",
            staging / "events.parquet",
        )
        message = f"{kind} left out of this version of {info.name}"
        _copy(
            con,
            f"SELECT * FROM read_parquet({_sql_str(info.rejected_path)}) UNION ALL BY NAME "
            "SELECT line, ? AS reason, 'user_id' AS problem_column, "
            "CAST(user_id AS VARCHAR) AS problem_value, ? AS message FROM flagged WHERE _out "
            "ORDER BY line",
            staging / "rejected.parquet",
            [EXCLUDED_REASON, message],
        )
        if info.items_path is not None:
            shutil.copy2(info.items_path, staging / "items.parquet")
        report = _version_report(con, info, len(excluded), kind)
    finally:
        con.close()
    (staging / "report.json").write_text(json.dumps(report.to_dict(), indent=1))
    return report


def _version_report(
    con: duckdb.DuckDBPyConnection, info: DatasetInfo, n_users: int, kind: str
) -> ValidationReport:
    """The original report with the counts of what is left and a note on what was not."""
    original = info.report
    users, items, t_min, t_max, dropped = con.execute(
        "SELECT count(DISTINCT user_id) FILTER (WHERE NOT _out), "
        "count(DISTINCT item_id) FILTER (WHERE NOT _out), "
        "CAST(min(timestamp) FILTER (WHERE NOT _out) AS VARCHAR), "
        "CAST(max(timestamp) FILTER (WHERE NOT _out) AS VARCHAR), "
        "count(*) FILTER (WHERE _out) FROM flagged"
    ).fetchone()
    by_type = con.execute(
        "SELECT event_type, count(*) FROM flagged WHERE NOT _out GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    examples = con.execute(
        "SELECT line, CAST(user_id AS VARCHAR) FROM flagged WHERE _out ORDER BY line LIMIT ?",
        [MAX_EXAMPLES],
    ).fetchall()
    note = Flag(
        "excluded_users",
        f"this version of dataset {info.name} leaves out {n_users:,} {kind}"
        f"{'' if n_users == 1 else 's'} and {'its' if n_users == 1 else 'their'} "
        f"{dropped:,} events; {info.name} itself is unchanged",
        int(dropped),
    )
    return dataclasses.replace(
        original,
        rows_accepted=original.rows_accepted - int(dropped),
        rows_rejected=original.rows_rejected + int(dropped),
        rejected_by_reason={**original.rejected_by_reason, EXCLUDED_REASON: int(dropped)},
        examples={
            **original.examples,
            EXCLUDED_REASON: [Issue(line, "user_id", user, kind) for line, user in examples],
        },
        # The heavy-user warning was about the users now left out.
        warnings=[note, *(w for w in original.warnings if w.code != "heavy_user")],
        events_by_type={str(t): int(n) for t, n in by_type},
        users=int(users),
        items=int(items),
        time_min=t_min,
        time_max=t_max,
        duplicate_of=[],
    )


def _fingerprint(source_fingerprint: str, excluded: list[str]) -> str:
    """Same dataset and same users give the same version (it is then reused)."""
    options = {"derived_from": source_fingerprint, "excluded_users": excluded}
    return hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, target: Path, params: list | None = None
) -> None:
    con.execute(
        f"COPY ({query}) TO {_sql_str(target.as_posix())} (FORMAT parquet, COMPRESSION zstd)",
        params or [],
    )


def _sql_str(value: object) -> str:
    """A SQL string literal (paths only; never user-typed SQL)."""
    return "'" + str(value).replace("'", "''") + "'"
