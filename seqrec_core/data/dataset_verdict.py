"""What the Data page found, in words: one sentence on a dataset, and its time span.

`dataset_verdict` opens the page: how much data there is, then the one thing to act on
first (bot-like shoppers, many rejected rows, shoppers too short to learn from), or that
it is ready to train. Numbers go through `seqrec_core.report.numbers`.
"""

from __future__ import annotations

import pandas as pd

from seqrec_core.data.dataset_profile import Headline
from seqrec_core.ingest.quality import REJECT_REASONS, ValidationReport
from seqrec_core.report.numbers import count, share, significant

# Rejected rows above this share of the file are the verdict's first concern.
REJECTED_WORRY = 0.05
# A sequence model learns from shoppers with at least two events; below this share of
# shoppers with two or more, the verdict says the data is thin.
MIN_LEARNABLE_SHARE = 0.5
_DAY_S = 86_400.0
# (unit, seconds, used below this many seconds): "45 minutes", "3.2 hours", "14 days", …
_SPAN_UNITS = (
    ("minute", 60.0, 2 * 3600.0),
    ("hour", 3600.0, 2 * _DAY_S),
    ("day", _DAY_S, 92 * _DAY_S),
    ("month", 30.44 * _DAY_S, 2 * 365.25 * _DAY_S),
    ("year", 365.25 * _DAY_S, float("inf")),
)


def plural(n: float, word: str) -> str:
    """`1 shopper`, `2,000 shoppers` (counts with thousands separators)."""
    return f"{count(n)} {word}{'' if round(n) == 1 else 's'}"


def span_words(span_days: float) -> str:
    """A log's time span for people: "under a minute", "45 minutes", "3.2 hours",
    "14 days", "5.5 months", "2.1 years" (2 significant digits)."""
    seconds = max(span_days, 0.0) * _DAY_S
    if seconds < 60:
        return "under a minute"
    unit, size, _ = next(u for u in _SPAN_UNITS if seconds < u[2])
    value = seconds / size
    return f"{significant(value, 2)} {unit}{'' if significant(value, 2) == '1' else 's'}"


def learnable_share(sequence_lengths: pd.DataFrame) -> float:
    """The share of shoppers with two or more events (`length, users` frame); 0 if none."""
    total = sequence_lengths["users"].sum()
    if not total:
        return 0.0
    return float(sequence_lengths.loc[sequence_lengths["length"] >= 2, "users"].sum() / total)


def dataset_verdict(
    report: ValidationReport, headline: Headline, sequence_lengths: pd.DataFrame
) -> str:
    """One plain sentence on a dataset: its size and span, then what to do first.

    Args:
        report: the dataset's validation report (rejected rows, flagged shoppers).
        headline: the profile's headline numbers.
        sequence_lengths: `length, users` (`dataset_profile.sequence_lengths`).
    """
    size = (
        f"{plural(headline.events, 'event')} from {plural(headline.users, 'shopper')} on "
        f"{plural(headline.items, 'product')} over {span_words(headline.span_days)}"
    )
    return f"{size}; {_first_concern(report, headline, sequence_lengths)}."


def _first_concern(
    report: ValidationReport, headline: Headline, sequence_lengths: pd.DataFrame
) -> str:
    """The most pressing finding, or that the dataset is ready to train."""
    bots = next((w.count for w in report.warnings if w.code == "heavy_user"), 0)
    if bots:
        it = "it" if bots == 1 else "them"
        verb = "looks" if bots == 1 else "look"
        return (
            f"{plural(bots, 'shopper')} {verb} like a bot or a shared account — exclude "
            f"{it} below before training"
        )
    rejected = report.rows_rejected / report.rows_read if report.rows_read else 0.0
    if rejected > REJECTED_WORRY:
        reason = max(report.rejected_by_reason, key=report.rejected_by_reason.get)
        return (
            f"{share(report.rows_rejected, report.rows_read)} of the file's rows were rejected, "
            f"most because {REJECT_REASONS.get(reason, reason)} — see the reasons below"
        )
    if headline.users < 2:
        return "a model learns from many shoppers' histories, so add more shoppers first"
    learnable = learnable_share(sequence_lengths)
    if learnable < MIN_LEARNABLE_SHARE:
        return (
            f"only {share(learnable, 1)} of shoppers have the two or more events a sequence "
            "model learns from, so expect weak recommendations"
        )
    kept = "every row was accepted" if not report.rows_rejected else "few rows were rejected"
    return f"{kept}, and {share(learnable, 1)} of shoppers have two or more events: ready to train"
