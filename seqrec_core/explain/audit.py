"""An audit of the explainers over a sample of users: how often is each method faithful?

For each sampled user (seeded, with at least `min_events` events so rank correlations
exist) the first recommendation is explained by every method the model supports, then
checked like on the page: the deletion curve against random orders, comprehensiveness at
k = 1, 3, 5, agreement between methods, IG's convergence delta, and the counterfactual.
`AuditResult.summary()` is what a reviewer reads (and what `explain --audit N --json`
prints); `per_user` keeps every number behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from seqrec_core.data.sequences import SequenceData
from seqrec_core.explain.explanation import explain_user, supported_methods
from seqrec_core.explain.faithfulness import COMPREHENSIVENESS_KS, RANDOM, agreement_pairs
from seqrec_core.explain.options import DELTA_FLOOR, LARGE_DELTA, ExplainOptions
from seqrec_core.models import Recommender
from seqrec_core.report import numbers

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class AuditResult:
    """Per-user faithfulness numbers of an audit, and the methods audited."""

    per_user: pd.DataFrame
    methods: tuple[str, ...]

    def summary(self) -> dict[str, object]:
        """JSON-ready: per method the faithful share and mean comprehensiveness, etc."""
        frame = self.per_user
        out: dict[str, object] = {"users": len(frame), "methods": {}}
        for method in (*self.methods, RANDOM):
            stats: dict[str, float] = {}
            if method != RANDOM:
                stats["faithful_share"] = _mean(frame[f"{method} faithful"])
            stats["mean_score_drop"] = _mean(frame[f"{method} score drop"])
            for k in COMPREHENSIVENESS_KS:
                stats[f"comprehensiveness@{k}"] = _mean(frame[f"{method} k={k}"])
                if method != RANDOM:
                    beats = frame[f"{method} k={k}"] > frame[f"{RANDOM} k={k}"]
                    stats[f"beats_random@{k}"] = _mean(beats)
            out["methods"][method] = stats  # type: ignore[index]
        pairs = [c for c in frame.columns if "~" in c]
        out["agreement"] = {pair: _mean(frame[pair]) for pair in pairs}
        if "ig" in self.methods:
            out["ig"] = {
                "mean_abs_convergence_delta": _mean(frame["ig delta"].abs()),
                "large_delta_share": _mean(frame["ig large delta"]),
            }
        found = frame["counterfactual size"].notna()
        out["counterfactual"] = {
            "found_share": _mean(found),
            "mean_size": _mean(frame.loc[found, "counterfactual size"]),
            "proven_minimal_share": _mean(frame.loc[found, "counterfactual minimal"].astype(bool)),
        }
        return out

    def method_table(self) -> pd.DataFrame:
        """One row per audited method: the share of shoppers where its order beats random
        orders (the whole deletion curve, and the top 1, 3, 5 events removed), and its
        mean score drop beside random orders' (`random drop`)."""
        summary = self.summary()
        stats = summary["methods"]  # type: ignore[index]
        random_drop = stats[RANDOM]["mean_score_drop"]
        rows = [
            {
                "method": method,
                "deletion curve": stats[method]["faithful_share"],
                **{f"top {k}": stats[method][f"beats_random@{k}"] for k in COMPREHENSIVENESS_KS},
                "score drop": stats[method]["mean_score_drop"],
                "random drop": random_drop,
            }
            for method in self.methods
        ]
        return pd.DataFrame(rows)


def _mean(values: pd.Series) -> float:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.mean()) if len(values) else float("nan")


def sample_users(
    data: SequenceData, count: int, *, seed: int = 0, min_events: int = 3
) -> list[str]:
    """Up to `count` user ids with at least `min_events` events, drawn with `seed`."""
    eligible = np.flatnonzero(data.sequences.lengths >= min_events)
    rng = np.random.default_rng(seed)
    rows = rng.choice(eligible, size=min(count, len(eligible)), replace=False)
    return [data.users.tokens[data.sequences.users[r] - 1] for r in np.sort(rows)]


def audit_options(options: ExplainOptions | None = None) -> ExplainOptions:
    """The settings an audit explains with: `options` for the first recommendation, with
    the faithfulness checks on (so a target picked on the page never changes an audit)."""
    return replace(options or ExplainOptions(), target=None, faithfulness=True)


def audited_methods(model: Recommender, options: ExplainOptions | None = None) -> tuple[str, ...]:
    """The methods an audit of `model` checks: those asked for, else every one it supports."""
    options = audit_options(options)
    return options.methods if options.methods is not None else supported_methods(model)


def audit_shopper(
    model: Recommender, data: SequenceData, user: str, options: ExplainOptions
) -> dict[str, object]:
    """One row of an audit: the first recommendation of `user` explained and checked.

    Args:
        model: the run's model (eval mode, CPU).
        data: its sequences and vocabularies.
        user: an external user id.
        options: explanation settings (see `audit_options`).

    Returns:
        `user`, `events`, `target_item`, then per method `<m> faithful`, `<m> k=1` …,
        `<m> score drop` (and the same for "random"), the pairs' agreement `a~b`, IG's
        `ig delta` / `ig relative delta` / `ig large delta`, and the counterfactual's
        `counterfactual size` / `counterfactual minimal` (None: none found).
    """
    explanation = explain_user(model, data, user, options=audit_options(options))
    attributions = explanation.attributions()
    row: dict[str, object] = {
        "user": user,
        "events": len(explanation.history.item_ids),
        "target_item": explanation.target_item,
    }
    curves = explanation.curves
    if curves is not None:
        table = curves.comprehensiveness().set_index("method")
        for method in (*attributions, RANDOM):
            if method != RANDOM:
                row[f"{method} faithful"] = curves.faithful(method)
            for column in table.columns:
                row[f"{method} {column}"] = float(table.loc[method, column])
    row.update(agreement_pairs(attributions))
    if explanation.ig is not None:
        row["ig delta"] = float(explanation.ig.convergence_delta[0])
        row["ig relative delta"] = float(explanation.ig.relative_delta[0])
        row["ig large delta"] = bool(explanation.ig.large_delta(LARGE_DELTA, DELTA_FLOOR)[0])
    found = explanation.counterfactual
    row["counterfactual size"] = len(found.removed) if found else None
    row["counterfactual minimal"] = found.proven_minimal if found else None
    return row


def audit(
    model: Recommender,
    data: SequenceData,
    users: list[str],
    *,
    options: ExplainOptions | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Explain and check the first recommendation of each user in `users`.

    Args:
        model: the run's model (eval mode, CPU).
        data: its sequences and vocabularies.
        users: external user ids (e.g. from `sample_users`).
        options: explanation settings; the target is always the first recommendation.
        progress: called with (fraction done, "explained 12 of 30 shoppers") after each.

    Returns:
        The per-user numbers and the methods audited.
    """
    options = audit_options(options)
    rows = []
    for done, user in enumerate(users, start=1):
        rows.append(audit_shopper(model, data, user, options))
        if progress is not None:
            progress(done / len(users), audit_progress(done, len(users)))
    return AuditResult(pd.DataFrame(rows), audited_methods(model, options))


def audit_progress(done: int, total: int) -> str:
    """ "explained 12 of 30 shoppers"."""
    return f"explained {numbers.count(done)} of {numbers.count(total)} shoppers"
