"""The review report's opening verdict: one plain sentence a reviewer can act on.

`review_verdict` weighs two questions a launch review asks, with the bars in `defaults`:

- does the model beat the best-seller list? (test HR@10 against a finished `pop` run on
  the same data and split; without one, the comparison is a condition to settle);
- can its explanations be trusted? (the faithfulness audit: the best method's reasons
  must pass the deletion check for `TRUSTED_SHARE` of the audited shoppers).

It suggests one of the sign-off table's decisions (approve, approve with conditions,
reject) and lists what to settle before signing, in words, numbers written by
`report.numbers`. The reviewer decides; the verdict only says what the numbers support.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seqrec_core.explain.options import METHOD_NAMES
from seqrec_core.report.defaults import LARGE_DELTA_SHARE, TRUSTED_SHARE
from seqrec_core.report.numbers import count, percent, times

APPROVE, CONDITIONS, REJECT = "approve", "approve with conditions", "reject"
_OPENING = {
    APPROVE: "Ready to approve",
    CONDITIONS: "Approve only with conditions",
    REJECT: "Not ready: reject for now",
}


@dataclass(frozen=True)
class Verdict:
    """The suggested decision, the sentence that opens the report, what to settle.

    Attributes:
        decision: `APPROVE`, `CONDITIONS` or `REJECT`.
        sentence: the plain opening sentence (text, not HTML).
        checks: what stands against approval, one sentence each (empty: nothing).
    """

    decision: str
    sentence: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class _Finding:
    """One part of the verdict: a clause of its sentence and what it asks of the reviewer."""

    clause: str
    blocking: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()


def _known(value: float | None) -> bool:
    """A number, not None or NaN (an audit's mean over no shopper is NaN)."""
    return value is not None and not math.isnan(value)


def _quality(
    model: str, metrics: Mapping[str, Any], baseline: Mapping[str, Any] | None
) -> _Finding:
    """Does the model find the next item more often than the best-seller list?"""
    hit = metrics.get("HR@10")
    if not _known(hit):
        return _Finding(
            f"{model} has no test metrics", blocking=("Evaluate the run on its test split.",)
        )
    clause = (
        f"{model} finds the shopper's next item in its top 10 for {percent(hit)} of test shoppers"
    )
    base = None if baseline is None else baseline.get("HR@10")
    if not _known(base):
        return _Finding(
            clause,
            conditions=(
                "No best-seller baseline to compare with: train POP on the same dataset and "
                "split to see whether the model beats the list everyone gets.",
            ),
        )
    if hit <= base:
        return _Finding(
            f"{clause}, no more often than the best-seller list ({percent(base)})",
            blocking=("The model does not beat the best-seller list: it adds nothing yet.",),
        )
    if base == 0:
        return _Finding(f"{clause}, where the best-seller list never does")
    return _Finding(f"{clause}, {times(hit / base)} as often as the best-seller list")


def _possessive(method: str) -> str:
    """ "occlusion's", "Integrated Gradients'"."""
    name = METHOD_NAMES.get(method, method)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _trust(audit: Mapping[str, Any] | None) -> _Finding:
    """Do the explanations pass the deletion check for enough of the audited shoppers?"""
    users = int(audit.get("users", 0)) if audit else 0
    if not users:
        return _Finding(
            "its explanations were not audited",
            conditions=(
                "Run the faithfulness audit (more than 0 shoppers) before showing the reasons "
                "to merchandisers.",
            ),
        )
    shares = {
        method: stats["faithful_share"]
        for method, stats in audit["methods"].items()  # type: ignore[index]
        if _known(stats.get("faithful_share"))
    }
    if not shares:
        return _Finding(
            "no explanation method could be checked",
            blocking=("The audit could check no explanation method: rerun it with more shoppers.",),
        )
    best = max(shares, key=lambda m: shares[m])
    audited = f"{count(users)} audited shopper{'s' if users != 1 else ''}"
    clause = f"{_possessive(best)} reasons hold up for {percent(shares[best])} of {audited}"
    conditions = []
    delta_share = (audit.get("ig") or {}).get("large_delta_share")
    if _known(delta_share) and delta_share > LARGE_DELTA_SHARE:
        conditions.append(
            f"Integrated Gradients' approximation is off for {percent(delta_share)} of the audited "
            "shoppers: prefer occlusion's reasons."
        )
    if shares[best] < TRUSTED_SHARE:
        return _Finding(
            clause,
            blocking=(
                f"No explanation method holds up for {percent(TRUSTED_SHARE)} of the audited "
                "shoppers: its reasons cannot be shown to merchandisers as they are.",
            ),
            conditions=tuple(conditions),
        )
    return _Finding(clause, conditions=tuple(conditions))


def review_verdict(
    model: str,
    metrics: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    audit: Mapping[str, Any] | None,
) -> Verdict:
    """The suggested decision and the opening sentence of a review report.

    Args:
        model: the model as people write it ("SASRec").
        metrics: the run's test metrics (`HR@10` is read).
        baseline: the test metrics of the best-seller list (a `pop` run on the same data
            and split), or None when there is none.
        audit: `AuditResult.summary()`, or None when no audit was run.

    Returns:
        e.g. "Approve only with conditions: SASRec finds the shopper's next item in its
        top 10 for 22% of test shoppers, 3.1× as often as the best-seller list, and
        occlusion's reasons hold up for 85% of 20 audited shoppers."
    """
    findings = (_quality(model, metrics, baseline), _trust(audit))
    blocking = tuple(c for f in findings for c in f.blocking)
    conditions = tuple(c for f in findings for c in f.conditions)
    decision = REJECT if blocking else CONDITIONS if conditions else APPROVE
    sentence = f"{_OPENING[decision]}: {findings[0].clause}, and {findings[1].clause}."
    return Verdict(decision, sentence, blocking + conditions)
