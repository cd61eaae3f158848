"""The explainability review report: one self-contained HTML file a reviewer takes away.

`build_report` assembles, for one trained run: a verdict sentence with the suggested
decision (`verdict`), what the report's terms mean, a model card (data, split, metrics
side by side with the other runs of the same dataset and split, the training curve, the
settings for data scientists), then for each selected shopper what they are shown and
why (`shopper_section`), an audit of faithfulness over a sample of shoppers and the known
limitations. Progress is reported per step with counts ("explained 3 of 20 shoppers").
plotly.js is embedded once, so the file opens with no network (`page`, `figure_book`).
Reports are stored in the workspace (`reports/`, registry table `reviews`) with their
creation time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from seqrec_core.data.shopper_events import read_shopper_events
from seqrec_core.explain.audit import AuditResult, audit, sample_users
from seqrec_core.explain.cases import user_cases
from seqrec_core.explain.options import ExplainOptions
from seqrec_core.kg.graph import KnowledgeGraph, missing_fields
from seqrec_core.kg.local_graph import shopper_graph
from seqrec_core.kg.shop_aggregates import cached_aggregates
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.report import sections
from seqrec_core.report.defaults import AUDIT_USERS, DEFAULT_USERS
from seqrec_core.report.figure_book import FigureBook
from seqrec_core.report.page import page
from seqrec_core.report.progress import Progress, Step, StepProgress
from seqrec_core.report.shopper_section import user_section
from seqrec_core.report.verdict import review_verdict
from seqrec_core.runs import registry as runs
from seqrec_core.runs.registry import write_json_atomic
from seqrec_core.runs.trained_run import LoadedRun, load_run
from seqrec_core.store import Workspace, validate_name

__all__ = ["DEFAULT_USERS", "Progress", "ReportInfo", "build_report", "list_reports"]

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


def _steps(users: Sequence[str] | None, audit_users: int) -> list[Step]:
    """The report's steps; a shopper step weighs as many units as shoppers it explains."""
    steps = [Step("load", "Loading the model and its data")]
    if not users:
        steps.append(Step("pick", "Picking telling shoppers"))
    steps.append(Step("graph", "Reading the shop's knowledge graph"))
    steps.append(
        Step("shoppers", "Explaining the chosen shoppers", len(users or ()) or DEFAULT_USERS)
    )
    if audit_users:
        steps.append(Step("audit", "Auditing the explanations", audit_users))
    steps.append(Step("write", "Writing the report"))
    return steps


def baseline_metrics(workspace: Workspace, info: runs.RunInfo) -> Mapping[str, Any] | None:
    """The test metrics of the best-seller list for `info`: the finished POP run on the same
    dataset and split with the best test HR@10, or None when there is none."""
    pops = [
        r.result.get("test_metrics") or {}
        for r in runs.list_runs(workspace, info.dataset)
        if r.model == "pop"
        and r.status == runs.SUCCEEDED
        and r.request.get("split") == info.request.get("split")
    ]
    pops = [m for m in pops if m.get("HR@10") is not None]
    return max(pops, key=lambda m: m["HR@10"]) if pops else None


def _audit(
    loaded: LoadedRun, users: list[str], options: ExplainOptions, steps: StepProgress
) -> AuditResult:
    """The faithfulness audit over `users`, its progress counted shopper by shopper."""
    steps.start("audit")
    return audit(
        loaded.checkpoint.model,
        loaded.prepared.data,
        users,
        options=options,
        progress=lambda fraction, _message: steps.explained("audit", round(fraction * len(users))),
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

    Args:
        users: shoppers to explain (external ids); None or empty: three telling cases.
        audit_users: shoppers drawn for the faithfulness audit (0: no audit).
        progress: called with (fraction 0..1, "Step 4 of 6 · Auditing the explanations:
            explained 3 of 20 shoppers") at every step and after every shopper.

    Raises:
        WorkspaceError: unknown run or dataset.
        RunError: the run saved no model.
        InputError: an unknown user.
    """
    steps = StepProgress(_steps(users, audit_users), progress)
    steps.start("load")
    loaded = load_run(workspace, run_id)
    engine = RunRecommender.from_run(loaded)
    sample = sample_users(loaded.prepared.data, audit_users) if audit_users else []
    if audit_users:
        steps.resize("audit", len(sample))
    if users:
        picked = list(users)
    else:
        steps.start("pick")
        picked = default_users(engine)
        steps.resize("shoppers", len(picked))
    steps.start("graph")
    dataset = workspace.get_dataset(loaded.info.dataset)
    shop = cached_aggregates(dataset.events_path, dataset.items_path)

    def graph_for(user: str, items: Sequence[str]) -> KnowledgeGraph:
        """The graph around one shopper and what they are recommended (never the whole
        shop's: a report on a 10M-event shop costs what one on the sample does)."""
        return shopper_graph(shop, read_shopper_events(dataset.events_path, user), also=items)

    book, options = FigureBook(), ExplainOptions()
    body = [sections.glossary(), sections.model_card(workspace, loaded, book)]
    steps.start("shoppers")
    for done, user in enumerate(picked, start=1):
        body.append(user_section(engine, graph_for, user, options, book))
        steps.explained("shoppers", done)
    summary = None
    if sample:
        result = _audit(loaded, sample, options, steps)
        summary = result.summary()
        body.append(sections.audit_section(result, book))
    body.append(sections.limitations(loaded, missing_fields(shop.coverage)))
    steps.start("write")
    info = loaded.info
    verdict = review_verdict(
        sections.model_title(info.model),
        info.result.get("test_metrics") or {},
        baseline_metrics(workspace, info),
        summary,
    )
    head = sections.header(info, datetime.now(UTC), reviewer_note, verdict)
    title = f"Review of {sections.model_title(info.model)} on {info.dataset} ({run_id})"
    html = page(title, "\n".join([head, *body]), book)
    steps.finish("Report ready")
    return html, tuple(picked)


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
