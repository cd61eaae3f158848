"""The explanation command of the command line: `explain` (one user, or an audit).

- `explain --run RUN --user USER [--target ITEM] --method ig|occlusion|attention`:
  `target_item`, `positions` (`index`, `item_id`, `event_type`, `attribution`, ...), the
  method's faithfulness check, and for ig `convergence_delta`.
- `explain --run RUN --audit N`: every supported method on N sampled users; the share
  of users where each method is faithful, comprehensiveness, agreement, IG deltas.

USER and ITEM are external ids. Errors (unknown run, user, item, a method the model
lacks) print `{"error": ...}` and exit 1 (see `cli.main`).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from seqrec_core.cli.common import add_common, stderr_progress
from seqrec_core.errors import ConfigError
from seqrec_core.explain.options import (
    BASELINES,
    DELTA_FLOOR,
    LARGE_DELTA,
    METHODS,
    ExplainOptions,
)
from seqrec_core.store import Workspace

if TYPE_CHECKING:
    from seqrec_core.explain.explanation import Explanation


def add_commands(commands: Any) -> None:
    """Register `explain` on the CLI's subparsers."""
    cmd = commands.add_parser("explain", help="explain a recommendation, or audit the explainers")
    add_common(cmd)
    cmd.add_argument("--run", required=True, help="run id with a saved model (see `runs`)")
    cmd.add_argument("--user", help="user id as in the events file")
    cmd.add_argument("--target", help="item id to explain (default: the first recommendation)")
    cmd.add_argument("--method", choices=METHODS, help="explainer for --user")
    cmd.add_argument("--baseline", choices=BASELINES, default="padding", help="IG baseline")
    cmd.add_argument("--steps", type=int, default=50, help="IG integration steps (default 50)")
    cmd.add_argument("--include-seen", action="store_true", help="rank history items too")
    cmd.add_argument("--counterfactual", action="store_true", help="also search the smallest edit")
    cmd.add_argument("--audit", type=int, metavar="N", help="audit every method on N users")
    cmd.add_argument("--seed", type=int, default=0, help="seed of the audit's user sample")
    cmd.set_defaults(handler=_explain)


def _explain(args: argparse.Namespace) -> dict[str, Any]:
    if args.audit is None and (not args.user or not args.method):
        raise ConfigError("explain needs --user and --method (or --audit N)")
    if args.audit is not None and args.audit < 1:
        raise ConfigError(f"--audit {args.audit}: audit at least 1 user")
    # torch, captum: the explainers load only for a valid request.
    from seqrec_core.explain.audit import audit, sample_users
    from seqrec_core.explain.explanation import explain_user, supported_methods
    from seqrec_core.runs.trained_run import load_run

    loaded = load_run(Workspace.open(args.workspace), args.run)
    model, prepared = loaded.model, loaded.prepared
    base = {
        "baseline": args.baseline,
        "n_steps": args.steps,
        "exclude_seen": not args.include_seen,
        "seed": args.seed,
    }
    if args.audit is not None:
        options = ExplainOptions(methods=supported_methods(model), **base)
        users = sample_users(prepared.data, args.audit, seed=args.seed)
        result = audit(model, prepared.data, users, options=options, progress=stderr_progress)
        answer = {"run": args.run, "model": model.name, "seed": args.seed, **result.summary()}
        answer["per_user"] = result.per_user.to_dict(orient="records")
        return clean_json(answer)
    options = ExplainOptions(
        target=args.target, methods=(args.method,), counterfactual=args.counterfactual, **base
    )
    explanation = explain_user(
        model, prepared.data, args.user, catalog=prepared.catalog, options=options
    )
    answer = explanation_json(explanation, args.method, _titles(prepared.catalog))
    if args.counterfactual:
        answer.setdefault("counterfactual", None)  # searched, none exists
    return clean_json({"run": args.run, **answer})


def _titles(catalog: pd.DataFrame) -> dict[str, str]:
    if "title" not in catalog.columns or "item_id" not in catalog.columns:
        return {}
    known = catalog.dropna(subset=["title"]).drop_duplicates("item_id")
    return dict(zip(known["item_id"].astype(str), known["title"].astype(str), strict=True))


def explanation_json(
    explanation: Explanation, method: str, titles: dict[str, str] | None = None
) -> dict[str, Any]:
    """The CLI answer for one method: target, positions, faithfulness (+ IG's delta)."""
    from seqrec_core.explain.faithfulness import COMPREHENSIVENESS_KS  # torch: at run time

    titles = titles or {}
    positions = explanation.positions()
    column = {"ig": "ig", "occlusion": "occlusion", "attention": "attention_rollout"}[method]
    records = []
    for row in positions.itertuples(index=False):
        record = {
            "index": int(row.index),
            "item_id": row.item_id,
            "title": titles.get(row.item_id),
            "event_type": row.event_type,
            "timestamp": row.timestamp.isoformat(),
            "attribution": float(getattr(row, column)),
        }
        if method == "ig":
            for part in explanation.ig.parts if explanation.ig else {}:
                record[f"ig_{part}"] = float(getattr(row, f"ig_{part}"))
        if method == "attention":
            record["last_layer"] = float(row.attention)
        records.append(record)
    answer: dict[str, Any] = {
        "model": explanation.model_name,
        "user": explanation.history.user_id,
        "method": method,
        "target_item": explanation.target_item,
        "target_title": titles.get(explanation.target_item),
        "target_score": explanation.target_score,
        "target_rank": explanation.target_rank,
        "top_items": [
            {"item_id": item, "score": score, "rank": rank, "title": titles.get(item)}
            for rank, (item, score) in enumerate(explanation.top, start=1)
        ],
        "skipped_events": explanation.history.skipped,
        "positions": records,
        "notes": list(explanation.notes),
    }
    if method == "ig" and explanation.ig is not None:
        ig = explanation.ig
        answer.update(
            convergence_delta=float(ig.convergence_delta[0]),
            relative_delta=float(ig.relative_delta[0]),
            large_delta=bool(ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0]),
            baseline=ig.baseline,
            n_steps=ig.n_steps,
            baseline_score=float(ig.baseline_scores[0]),
        )
    if explanation.curves is not None:
        table = explanation.curves.comprehensiveness().set_index("method")
        answer["faithfulness"] = {
            "faithful": explanation.curves.faithful(method),
            "score_drop": float(table.loc[method, "score drop"]),
            "random_score_drop": float(table.loc["random", "score drop"]),
            "comprehensiveness": {
                f"{k}": float(table.loc[method, f"k={k}"]) for k in COMPREHENSIVENESS_KS
            },
            "random_comprehensiveness": {
                f"{k}": float(table.loc["random", f"k={k}"]) for k in COMPREHENSIVENESS_KS
            },
        }
    found = explanation.counterfactual
    if found is not None:
        *removed, new_top = explanation.counterfactual_items
        answer["counterfactual"] = {
            "removed": [
                {"index": i, "item_id": item}
                for i, item in zip(found.removed, removed, strict=True)
            ],
            "new_top_item": new_top,
            "proven_minimal": found.proven_minimal,
        }
    return answer


def clean_json(value: Any) -> Any:
    """NaN → None and numpy scalars → Python, recursively (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
