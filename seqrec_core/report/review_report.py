"""The explainability review report: one self-contained HTML file a reviewer takes away.

`build_report` assembles, for one trained run: a model card (data, split, training
configuration, device, metrics side by side with the other runs of the same dataset and
split, the validation curve), then for each selected shopper the history, the
recommendations with their reasons and knowledge-graph paths, the attribution, attention
and faithfulness figures and the counterfactual, then an audit of faithfulness over a
sample of shoppers and the known limitations. plotly.js is embedded once, so the file
opens with no network. Reports are stored in the workspace (`reports/`, registry table
`reviews`) with their creation time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from seqrec_core.explain.audit import audit, sample_users
from seqrec_core.explain.cases import user_cases
from seqrec_core.explain.options import ExplainOptions
from seqrec_core.kg.graph import build_graph
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.report import sections
from seqrec_core.report.defaults import AUDIT_USERS
from seqrec_core.runs import registry as runs
from seqrec_core.runs.registry import write_json_atomic
from seqrec_core.runs.trained_run import load_run
from seqrec_core.store import Workspace, validate_name

Progress = Callable[[float, str], None]
DEFAULT_USERS = 3


_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    report_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    users_json VARCHAR NOT NULL,
    path VARCHAR NOT NULL
)
"""


@dataclass(frozen=True)
class ReportInfo:
    """A stored review report."""

    report_id: str
    run_id: str
    created_at: datetime
    users: tuple[str, ...]
    path: Path


def default_users(engine: RunRecommender, count: int = DEFAULT_USERS) -> list[str]:
    """Shoppers worth a reviewer's look: the most confident, the least confident and the
    most surprising first recommendation (distinct users)."""
    loaded = engine.loaded
    cases = user_cases(
        loaded.checkpoint.model, loaded.prepared.data, loaded.prepared.catalog, max_users=500
    )
    picks: list[str] = []
    orders = [cases, cases.iloc[::-1]]
    if cases["surprise"].notna().any():
        orders.append(cases.sort_values("surprise", ascending=False))
    while len(picks) < count and any(len(o) for o in orders):
        for order in orders:
            for user in order["user_id"]:
                if user not in picks:
                    picks.append(str(user))
                    break
            if len(picks) >= count:
                break
        if len(picks) >= len(cases):
            break
    return picks[:count]


def _html(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{sections.esc(title)}</title><style>{sections.CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>{body}</body></html>\n"
    )


def render_report(
    workspace: Workspace,
    run_id: str,
    *,
    users: Sequence[str] | None = None,
    audit_users: int = AUDIT_USERS,
    reviewer_note: str = "",
    progress: Progress | None = None,
) -> tuple[str, tuple[str, ...]]:
    """The report's HTML text and the users it explains.

    Raises:
        WorkspaceError: unknown run or dataset.
        RunError: the run saved no model.
        InputError: an unknown user.
    """
    say = progress or (lambda fraction, message: None)
    say(0.02, "Loading the model and its data")
    loaded = load_run(workspace, run_id)
    engine = RunRecommender.from_run(loaded)
    picked = list(users) if users else default_users(engine)
    say(0.1, "Building the knowledge graph")
    kg = build_graph(workspace.read_events(loaded.info.dataset), loaded.prepared.catalog)
    created = datetime.now(UTC)
    parts = [
        sections.header(loaded.info, created, reviewer_note),
        sections.model_card(workspace, loaded),
    ]
    options = ExplainOptions()
    for n, user in enumerate(picked):
        say(0.15 + 0.55 * n / max(len(picked), 1), f"Explaining shopper {user}")
        parts.append(sections.user_section(engine, kg, user, options))
    if audit_users:
        say(0.72, f"Auditing faithfulness over {audit_users} shoppers")
        sample = sample_users(loaded.prepared.data, audit_users)
        result = audit(loaded.checkpoint.model, loaded.prepared.data, sample, options=options)
        parts.append(sections.audit_section(result))
    parts.append(sections.limitations(loaded, kg))
    say(0.98, "Writing the report")
    title = f"Review of {loaded.info.model} on {loaded.info.dataset} ({run_id})"
    return _html(title, "\n".join(parts)), tuple(picked)


def _ensure_table(workspace: Workspace) -> None:
    with workspace.connect() as con:
        con.execute(_SCHEMA)


def build_report(
    workspace: Workspace,
    run_id: str,
    *,
    users: Sequence[str] | None = None,
    out: Path | None = None,
    audit_users: int = AUDIT_USERS,
    reviewer_note: str = "",
    progress: Progress | None = None,
) -> ReportInfo:
    """Render the report, store it in the workspace and, with `out`, also write it there.

    Returns:
        The stored report (its workspace path; `out` is a copy).
    """
    html, picked = render_report(
        workspace,
        run_id,
        users=users,
        audit_users=audit_users,
        reviewer_note=reviewer_note,
        progress=progress,
    )
    created = datetime.now(UTC).replace(tzinfo=None)
    report_id = validate_name(f"review-{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}", "report")
    folder = workspace.root / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report_id}.html"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(path)
    write_json_atomic(
        folder / f"{report_id}.json",
        {"run": run_id, "users": list(picked), "created_at": created.isoformat()},
    )
    _ensure_table(workspace)
    with workspace.connect() as con:
        con.execute(
            "INSERT INTO reviews VALUES (?, ?, ?, ?, ?)",
            [
                report_id,
                run_id,
                created,
                json.dumps(list(picked)),
                str(path.relative_to(workspace.root)),
            ],
        )
    if out is not None:
        Path(out).write_text(html, encoding="utf-8")
    return ReportInfo(report_id, run_id, created, picked, path)


def list_reports(workspace: Workspace, run_id: str | None = None) -> list[ReportInfo]:
    """Stored reports (of one run, when given), newest first."""
    _ensure_table(workspace)
    query, params = "SELECT * FROM reviews", []
    if run_id is not None:
        runs.get_run(workspace, run_id)  # raises for an unknown run
        query, params = query + " WHERE run_id = ?", [run_id]
    with workspace.connect() as con:
        rows = con.execute(query + " ORDER BY created_at DESC", params).fetchdf()
    return [
        ReportInfo(
            r["report_id"],
            r["run_id"],
            pd.Timestamp(r["created_at"]).to_pydatetime(),
            tuple(json.loads(r["users_json"])),
            workspace.root / r["path"],
        )
        for r in rows.to_dict("records")
    ]
