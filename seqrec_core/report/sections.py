"""The run-wide sections of the review report: header, terms, model card, audit, limits.

Each section opens with a plain sentence, numbers written by `report.numbers`; settings a
data scientist checks sit in a "for data scientists" block. Every value from the data goes
through `page.esc`; figures are the pure figure functions the pages draw, added to the
report's `FigureBook`. The shoppers' sections are in `shopper_section`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from seqrec_core.data.sequences import Split
from seqrec_core.explain.audit import AuditResult
from seqrec_core.explain.faithfulness import COMPREHENSIVENESS_KS, RANDOM
from seqrec_core.explain.options import METHOD_NAMES
from seqrec_core.explain.sentences import audit_sentence
from seqrec_core.figures import faithfulness as ff
from seqrec_core.figures.training import training_curves_figure
from seqrec_core.models.names import MODEL_TITLES
from seqrec_core.report.figure_book import FigureBook
from seqrec_core.report.numbers import count, duration, percent, significant
from seqrec_core.report.page import esc, facts_table, settings_table, table
from seqrec_core.report.verdict import Verdict
from seqrec_core.runs import registry
from seqrec_core.runs.run_table import TABLE_METRICS, run_table
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import DatasetInfo, Workspace
from seqrec_core.training.config import TrainConfig

TERMS = {
    "HR@10 (hit rate)": "the share of test shoppers whose actual next item is among the "
    "model's top 10. HR@20: the same in the top 20.",
    "NDCG@10": "like HR@10, but a hit near the top counts more (1 at rank 1, less further "
    "down); between 0 and 1.",
    "MRR": "the mean of 1 / the rank of the actual next item (1 when it is always first).",
    "coverage@10": "the share of the catalog that appears in at least one shopper's top 10.",
    "popularity@10": "how many training events the recommended items have on average; high "
    "means the model leans on best-sellers.",
    "occlusion": "remove one past event, re-score, and see how much the recommendation's score "
    "drops: that drop is the event's effect.",
    "Integrated Gradients (IG)": "adds up the model's gradients on the way from an empty "
    "history to the real one; its convergence delta says how far the approximation is off.",
    "attention": "where the model's layers look in the history; not a measure of cause.",
    "deletion check (faithfulness)": "remove the events a method ranks first and watch the "
    "score: if it falls faster than when removing random events, the method found what matters.",
    "counterfactual": "the smallest set of past events whose removal changes the first "
    "recommendation, re-scored to verify.",
    "knowledge-graph link": "a path through the catalog (same brand, category) and what other "
    "shoppers did, from the shopper's history to the item; independent of the model.",
}
_SPLITS = {
    "leave_one_out": "each shopper's last event is held out for testing, the one before for validation",
    "temporal": "the latest events by time are held out for validation and testing",
}
_SHARE_METRICS = ("HR@", "coverage@")  # metrics that are shares of shoppers or of the catalog


def metric_formats(columns: Sequence[object]) -> dict[str, Callable[[float], str]]:
    """Column → formatter for a metrics table: hit rates and coverage as percentages."""
    names = [str(c) for c in columns]
    return {c: percent for c in names if c.startswith(_SHARE_METRICS)} | {"examples": count}


def model_title(model: str) -> str:
    """How people write a model: "sasrec" → "SASRec"."""
    return MODEL_TITLES.get(model, model)


def header(info: registry.RunInfo, created: datetime, note: str, verdict: Verdict) -> str:
    """Title, the verdict and what to settle, what is reviewed, the note, the sign-off table."""
    remark = f"<p class='note'>Reviewer's note: {esc(note)}</p>" if note.strip() else ""
    checks = "".join(f"<li>{esc(c)}</li>" for c in verdict.checks)
    settle = f"<p>Before signing:</p><ul>{checks}</ul>" if checks else ""
    css = verdict.decision.split()[-1]  # "approve", "conditions" or "reject"
    return (
        f"<h1>Explainability review: {esc(model_title(info.model))} on {esc(info.dataset)}</h1>"
        f"<p class='verdict {esc(css)}'>{esc(verdict.sentence)}</p>{settle}"
        f"<p>Run <b>{esc(info.run_id)}</b> · report created {created:%Y-%m-%d %H:%M} UTC by "
        f"SeqRec Studio.</p>{remark}"
        "<div class='table-box'><table class='sign'><tr><th>Reviewer</th><td></td><th>Date</th>"
        "<td></td></tr><tr><th>Decision</th><td colspan='3'>approve / approve with conditions "
        "/ reject</td></tr></table></div>"
    )


def glossary() -> str:
    """What the report's technical terms mean, in a block a reviewer opens when needed."""
    terms = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in TERMS.items())
    return f"<details><summary>What the terms in this report mean</summary><dl class='terms'>{terms}</dl></details>"


def _data_facts(dataset: DatasetInfo, split: Split) -> dict[str, str]:
    report = dataset.report
    return {
        "dataset": dataset.name,
        "source file": dataset.source_name,
        "source sha256": dataset.source_sha256,
        "events accepted": f"{count(dataset.rows_accepted)} (rejected {count(dataset.rows_rejected)})",
        "shoppers / items": f"{count(dataset.users)} / {count(dataset.items)}",
        "time range": f"{report.time_min} → {report.time_max}",
        "events by type": ", ".join(f"{k} {count(v)}" for k, v in report.events_by_type.items()),
        "split": f"{_SPLITS.get(split.kind, split.kind)}: {count(len(split.valid.targets))} "
        f"validation and {count(len(split.test.targets))} test shoppers",
        "evaluation": "full ranking over the whole catalog, the shopper's own history excluded",
    }


def _trained_on(model: str, dataset: DatasetInfo) -> str:
    """ "SASRec was trained on sample: 2,100 shoppers, 1,194 items and 59,651 events." """
    return (
        f"{model_title(model)} was trained on {dataset.name}: {count(dataset.users)} shoppers, "
        f"{count(dataset.items)} items and {count(dataset.rows_accepted)} events."
    )


def _training_facts(loaded: LoadedRun) -> dict[str, str]:
    result = loaded.info.result
    best = result.get("best_epoch")
    return {
        "device": str(loaded.info.device),
        "epochs run (best)": f"{count(result.get('epochs'))} ({count(best + 1) if isinstance(best, int) else '—'})",
        "stopped by": str(result.get("stopped_by") or "—"),
        "training time": duration(result.get("seconds")),
        "data-parallel processes": count(result.get("world_size", 1)),
    }


def _compared_runs(workspace: Workspace, info: registry.RunInfo) -> pd.DataFrame:
    same = [
        r
        for r in registry.list_runs(workspace, info.dataset)
        if r.status == registry.SUCCEEDED and r.request.get("split") == info.request.get("split")
    ]
    frame = run_table(same)[["run", "model", "valid NDCG@10", *TABLE_METRICS]]
    return frame.assign(model=frame["model"].map(model_title))


def model_card(workspace: Workspace, loaded: LoadedRun, book: FigureBook) -> str:
    """Data, metrics against the other runs, the training curve; settings for data scientists."""
    info = loaded.info
    dataset = workspace.get_dataset(info.dataset)
    result = info.result
    by_length = pd.DataFrame(result.get("test_by_history_length", {})).T.reset_index(
        names="history length"
    )
    curve = training_curves_figure(
        registry.read_progress(info.folder), f"Training of {info.run_id}"
    )
    train = TrainConfig(**info.request.get("train_settings", {})).to_dict()
    compared = _compared_runs(workspace, info)
    return (
        f"<h2>Model card</h2><p>{esc(_trained_on(info.model, dataset))}</p><h3>Data</h3>"
        + facts_table(_data_facts(dataset, loaded.prepared.split))
        + "<h3>Test metrics beside every finished run of this dataset and split</h3>"
        + table(compared, metric_formats(compared.columns))
        + "<h3>Test metrics by history length</h3>"
        + (
            table(by_length, metric_formats(by_length.columns))
            if not by_length.empty
            else "<p>—</p>"
        )
        + book.add(
            curve,
            caption="Left: the training loss (lower is better). Right: validation HR@10 and "
            "NDCG@10 after each epoch (higher is better).",
        )
        + "<details><summary>For data scientists: model and training settings</summary>"
        + "<h3>Model</h3>"
        + settings_table(loaded.checkpoint.model.config.to_dict())
        + "<h3>Training</h3>"
        + facts_table(_training_facts(loaded))
        + settings_table(train)
        + "</details>"
    )


def _audit_rows(summary: Mapping[str, Any]) -> list[dict[str, object]]:
    rows = []
    for method, stats in summary["methods"].items():
        row: dict[str, object] = {"method": METHOD_NAMES.get(method, method)}
        if method != RANDOM:
            row["reasons hold up (deletion check)"] = stats.get("faithful_share")
        for k in COMPREHENSIVENESS_KS:
            row[f"score lost without top {k}"] = stats.get(f"comprehensiveness@{k}")
            if method != RANDOM:
                row[f"beats random, top {k}"] = stats.get(f"beats_random@{k}")
        rows.append(row)
    return rows


def _audit_notes(summary: Mapping[str, Any]) -> Sequence[str]:
    notes = []
    ig = summary.get("ig")
    if ig:
        notes.append(
            f"Integrated Gradients' convergence delta is large for {percent(ig['large_delta_share'])} "
            f"of the shoppers (mean size {significant(ig['mean_abs_convergence_delta'])})."
        )
    found = summary.get("counterfactual") or {}
    if not math.isnan(found.get("found_share", math.nan)):
        notes.append(
            f"For {percent(found['found_share'])} of the shoppers, removing a few events (mean "
            f"{significant(found['mean_size'], 2)}) changes the first recommendation."
        )
    return notes


def audit_section(result: AuditResult, book: FigureBook) -> str:
    """How often each method's reasons hold up over a sample of shoppers."""
    summary = result.summary()
    rows = pd.DataFrame(_audit_rows(summary))
    shares = [c for c in rows.columns if c.startswith(("reasons hold up", "beats random"))]
    notes = "".join(f"<li>{esc(n)}</li>" for n in _audit_notes(summary))
    return (
        f"<h2>Faithfulness audit over {count(summary['users'])} shoppers</h2>"
        f"<p><b>{esc(audit_sentence(summary))}</b></p>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + table(rows, dict.fromkeys(shares, percent))
        + "<p class='note'>Score lost without top k: how much the first recommendation's score "
        "falls when the method's k strongest events are removed (more is better; compare with "
        "the random order row).</p>"
        + book.add(
            ff.audit_figure(summary),
            caption="The share of audited shoppers for whom each method's strongest events "
            "matter more than random ones: by the deletion curve, and by removing its top "
            "1, 3 or 5 events.",
        )
    )


def limitations(loaded: LoadedRun, missing: Sequence[str]) -> str:
    """What this model and its explanations cannot tell, for this run."""
    config = loaded.checkpoint.model.config
    notes = [
        f"The model reads each shopper's last {count(config.max_len)} events only; older events never change a score.",
        "Offline metrics come from held-out last events; they estimate, not measure, what shoppers will do.",
        "Integrated Gradients in a causal transformer credits the newest event heavily (it sits on the "
        "predicting position's residual path); where occlusion disagrees, trust the re-scored occlusion.",
        "Attention weights show where the model looks, not why; they are shown beside, not instead of, "
        "re-scored attributions.",
    ]
    if missing:
        notes.append(f"The catalog lacks {', '.join(missing)}; paths and profiles cannot use them.")
    popularity = loaded.info.result.get("test_metrics", {}).get("popularity@10")
    if popularity:
        notes.append(
            f"Recommended items have a mean training popularity of {count(popularity)} events (popularity bias)."
        )
    return "<h2>Known limitations</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
