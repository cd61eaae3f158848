"""The sections of the review report as HTML: header, model card, shoppers, audit, limits.

Every value from the data (titles, ids, messages) goes through `esc`; figures are the same
pure figure functions the pages draw, embedded without plotly.js (the page loads it once).
"""

from __future__ import annotations

import html
import json
import math
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from seqrec_core.errors import InputError
from seqrec_core.explain.audit import AuditResult
from seqrec_core.explain.explanation import Explanation, explain_user
from seqrec_core.explain.options import DELTA_FLOOR, LARGE_DELTA, METHOD_NAMES, ExplainOptions
from seqrec_core.explain.sentences import counterfactual_sentence
from seqrec_core.figures import explanation as fx
from seqrec_core.figures import faithfulness as ff
from seqrec_core.figures.training import training_curves_figure
from seqrec_core.kg.graph import KnowledgeGraph
from seqrec_core.recommend.graph_reasons import graph_connections
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs import registry
from seqrec_core.runs.run_table import TABLE_METRICS, run_table
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import Workspace
from seqrec_core.training.config import TrainConfig

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{border-bottom:2px solid #4C78A8;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f8}.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:.92em}.warn{background:#fff4e5;border-left:4px solid #F58518;padding:.4em .8em}
.sign td{height:2.2em;min-width:14em}section.user{page-break-before:always}
"""


def esc(value: object) -> str:
    """HTML-escaped text of any value."""
    return html.escape(str(value), quote=True)


def _num(value: object, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return esc(value)


def table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A frame as an escaped HTML table (numbers right-aligned)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            cells.append(
                f"<td class='num'>{_num(value, digits)}</td>"
                if numeric
                else f"<td>{_num(value)}</td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure(fig: go.Figure) -> str:
    """A figure as an HTML fragment that uses the page's one copy of plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _pairs(values: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "setting": list(values),
            "value": [json.dumps(v) if isinstance(v, dict | list) else v for v in values.values()],
        }
    )


def header(info: registry.RunInfo, created: datetime, note: str) -> str:
    """Title, what is reviewed, when, the reviewer's note, and the sign-off table."""
    remark = f"<p class='note'>Reviewer's note: {esc(note)}</p>" if note.strip() else ""
    return (
        f"<h1>Explainability review: {esc(info.model)} on {esc(info.dataset)}</h1>"
        f"<p>Run <b>{esc(info.run_id)}</b> · report created {created:%Y-%m-%d %H:%M} UTC by SeqRec Studio.</p>"
        f"{remark}<table class='sign'><tr><th>Reviewer</th><td></td><th>Date</th><td></td></tr>"
        "<tr><th>Decision</th><td colspan='3'>approve / approve with conditions / reject</td></tr></table>"
    )


def model_card(workspace: Workspace, loaded: LoadedRun) -> str:
    """Data, split, training, device, metrics against the other runs, validation curve."""
    info = loaded.info
    dataset = workspace.get_dataset(info.dataset)
    report = dataset.report
    split = loaded.prepared.split
    data_rows = {
        "dataset": dataset.name,
        "source file": dataset.source_name,
        "source sha256": dataset.source_sha256,
        "events accepted": f"{dataset.rows_accepted:,} (rejected {dataset.rows_rejected:,})",
        "users / items": f"{dataset.users:,} / {dataset.items:,}",
        "time range": f"{report.time_min} → {report.time_max}",
        "events by type": ", ".join(f"{k} {v:,}" for k, v in report.events_by_type.items()),
        "split": f"{split.kind}: {len(split.valid.targets):,} validation and {len(split.test.targets):,} test targets",
        "evaluation": "full ranking over the whole catalog, the user's own history excluded",
    }
    result = info.result
    train = TrainConfig(**info.request.get("train_settings", {})).to_dict()
    training = {
        "device": info.device,
        "epochs run (best)": f"{result.get('epochs')} ({(result.get('best_epoch') or 0) + 1})",
        "stopped by": result.get("stopped_by"),
        "training minutes": _num((result.get("seconds") or 0.0) / 60, 1),
        "data-parallel processes": result.get("world_size", 1),
    }
    same = [
        r
        for r in registry.list_runs(workspace, info.dataset)
        if r.status == registry.SUCCEEDED and r.request.get("split") == info.request.get("split")
    ]
    compared = run_table(same)[["run", "model", "valid NDCG@10", *TABLE_METRICS]]
    curve = training_curves_figure(
        registry.read_progress(info.folder), f"Training of {info.run_id}"
    )
    by_length = pd.DataFrame(result.get("test_by_history_length", {})).T.reset_index(
        names="history length"
    )
    return (
        "<h2>Model card</h2><h3>Data</h3>"
        + table(_pairs(data_rows))
        + "<h3>Model</h3>"
        + table(_pairs(loaded.checkpoint.model.config.to_dict()))
        + "<h3>Training</h3>"
        + table(_pairs(training))
        + table(_pairs(train))
        + "<h3>Test metrics beside every finished run of this dataset and split</h3>"
        + table(compared)
        + "<h3>Test metrics by history length</h3>"
        + (table(by_length) if not by_length.empty else "<p>–</p>")
        + figure(curve)
    )


def _recommendations(engine: RunRecommender, kg: KnowledgeGraph, user: str, history: tuple) -> str:
    listed = engine.recommend(history, k=10, user=user)
    rows = [
        {
            "rank": item.rank,
            "item": item.fields.get("title", item.item_id),
            "category": item.fields.get("category"),
            "brand": item.fields.get("brand"),
            "score": item.score,
            "because": item.reason,
            "knowledge-graph path": connection,
        }
        for item, connection in zip(listed.items, graph_connections(kg, listed), strict=True)
    ]
    note = f"<p class='warn'>Cold start: {esc(listed.fallback)}</p>" if listed.fallback else ""
    return note + table(pd.DataFrame(rows), digits=3)


def _explanation_figures(expl: Explanation, events: pd.DataFrame, target: str) -> list[go.Figure]:
    methods = list(expl.attributions())
    figs = [
        fx.timeline_figure(events, title="The events the model reads"),
        fx.method_comparison_figure(events, methods, title=f"What drove {target}, by method"),
    ]
    if expl.attention is not None:
        labels = list(events["label"]) + ["[MASK]"] * expl.attention.extra_slots
        figs.append(
            fx.attention_heatmap_figure(
                expl.attention.rollout, labels, title="Attention rollout across layers"
            )
        )
    if expl.curves is not None:
        figs.append(ff.deletion_curve_figure(expl.curves.frame(), target=target))
        figs.append(ff.agreement_figure(expl.agreement()))
    return figs


def user_section(
    engine: RunRecommender, kg: KnowledgeGraph, user: str, options: ExplainOptions
) -> str:
    """One shopper: history, recommendations with reasons and paths, explanation figures."""
    history = engine.user_history(user)
    if history is None:
        raise InputError(
            f"user {user!r} is not in this run's dataset", hint="pick users from the dataset"
        )
    loaded = engine.loaded
    catalog = loaded.prepared.catalog
    expl = explain_user(
        loaded.checkpoint.model, loaded.prepared.data, user, catalog=catalog, options=options
    )
    names = fx.item_names(catalog)
    target = names.get(expl.target_item, expl.target_item)
    events = fx.labelled_events(expl.positions(), catalog)
    parts = [
        f"<section class='user'><h2>Shopper {esc(user)}</h2>",
        f"<p>{len(history)} events; the model reads the last {len(expl.history.item_ids)}. "
        f"First recommendation: <b>{esc(target)}</b> (score {expl.target_score:.3f}).</p>",
        "<h3>Recommendations</h3>",
        _recommendations(engine, kg, user, history),
        "<h3>Why the first recommendation</h3>",
        f"<p>{counterfactual_sentence(expl, names, emphasis=lambda t: f'<b>{esc(t)}</b>')}</p>",
    ]
    if expl.ig is not None:
        delta = float(expl.ig.convergence_delta[0])
        warn = bool(expl.ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0])
        css = "warn" if warn else "note"
        parts.append(
            f"<p class='{css}'>Integrated Gradients convergence delta {delta:+.4f}{' (large: read IG with care)' if warn else ''}.</p>"
        )
    if expl.curves is not None:
        verdicts = ", ".join(
            f"{METHOD_NAMES[m]} {'beats' if expl.curves.faithful(m) else 'does not beat'} random"
            for m in expl.curves.scores
        )
        parts.append(f"<p>Deletion check: {esc(verdicts)}.</p>")
    parts += [figure(fig) for fig in _explanation_figures(expl, events, target)]
    parts += [f"<p class='note'>{esc(n)}</p>" for n in expl.notes]
    return "\n".join(parts) + "</section>"


def audit_section(result: AuditResult) -> str:
    """How often each method is faithful over a sample of shoppers."""
    summary = result.summary()
    rows = [
        {"method": METHOD_NAMES.get(m, m), **{k: v for k, v in stats.items()}}
        for m, stats in summary["methods"].items()  # type: ignore[union-attr]
    ]
    return (
        f"<h2>Faithfulness audit over {summary['users']} shoppers</h2>"
        "<p class='note'>Per method: the share of shoppers whose deletion curve falls faster than "
        "random orders, and comprehensiveness (the score lost when the top-k events go).</p>"
        + table(pd.DataFrame(rows))
        + figure(ff.audit_figure(summary))
    )


def limitations(loaded: LoadedRun, kg: KnowledgeGraph) -> str:
    """What this model and its explanations cannot tell, for this run."""
    config = loaded.checkpoint.model.config
    notes = [
        f"The model reads each shopper's last {config.max_len} events only; older events never change a score.",
        "Offline metrics come from held-out last events; they estimate, not measure, what shoppers will do.",
        "Integrated Gradients in a causal transformer credits the newest event heavily (it sits on the "
        "predicting position's residual path); where occlusion disagrees, trust the re-scored occlusion.",
        "Attention weights show where the model looks, not why; they are shown beside, not instead of, "
        "re-scored attributions.",
    ]
    if kg.missing:
        notes.append(
            f"The catalog lacks {', '.join(kg.missing)}; paths and profiles cannot use them."
        )
    popularity = loaded.info.result.get("test_metrics", {}).get("popularity@10")
    if popularity:
        notes.append(
            f"Recommended items have a mean training popularity of {popularity:,.0f} events (popularity bias)."
        )
    return "<h2>Known limitations</h2><ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
