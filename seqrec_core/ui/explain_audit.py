"""The Explain page's audit: how often each explanation holds up over many shoppers.

A form picks how many shoppers (and the sample's seed); each sampled shopper is audited
through the per-shopper cache `explain_views.load_audit_row` while a progress bar counts
them ("explained 12 of 30 shoppers"), so a larger audit or a rerun only explains the
shoppers not seen yet. The result reads as one sentence, a table with percentages and a
chart; the other checks (agreement, IG's delta, counterfactuals) sit in a "For data
scientists" expander, and every number per shopper is a CSV download.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from seqrec_core.explain.audit import (
    AuditResult,
    audit_options,
    audit_progress,
    audited_methods,
    sample_users,
)
from seqrec_core.explain.faithfulness import COMPREHENSIVENESS_KS
from seqrec_core.explain.options import METHOD_NAMES, ExplainOptions
from seqrec_core.explain.sentences import audit_sentence
from seqrec_core.figures import faithfulness as ff
from seqrec_core.report.csv_export import csv_bytes
from seqrec_core.report.numbers import count, percent, significant
from seqrec_core.ui import explain_views

AUDIT_DONE = "_explain_audit_done"  # the audit form was submitted once this session
USERS = "explain_audit_users"
SEED = "explain_audit_seed"


def show_audit(root: str, run_id: str, options: ExplainOptions) -> None:
    """A form to audit the explainers over sampled shoppers, then its results."""
    with st.form("explain_audit"):
        cols = st.columns(2)
        users = cols[0].number_input("Shoppers to audit", 5, 500, 30, step=5, key=USERS)
        seed = cols[1].number_input(
            "Sample seed", 0, 2**31 - 1, 0, key=SEED, help="Another seed draws other shoppers."
        )
        run = st.form_submit_button("Run the audit", icon=":material/fact_check:")
    if not run and AUDIT_DONE not in st.session_state:
        st.caption(
            "Each sampled shopper's first recommendation is explained and checked like the "
            "one above: do the events each method ranks first lower the score faster than "
            "random ones?"
        )
        return
    st.session_state[AUDIT_DONE] = True
    result = run_audit(root, run_id, int(users), int(seed), options)
    show_result(result, run_id)


def run_audit(
    root: str, run_id: str, users: int, seed: int, options: ExplainOptions
) -> AuditResult:
    """Audit `users` shoppers drawn with `seed`, one cached shopper at a time, with a
    progress bar that counts them."""
    loaded = explain_views.load(root, run_id)
    sample = sample_users(loaded.prepared.data, users, seed=seed)
    settings = audit_options(options)
    bar = st.progress(0.0, text=audit_progress(0, len(sample)))
    rows = []
    for done, user in enumerate(sample, start=1):
        rows.append(explain_views.load_audit_row(root, run_id, user, settings))
        bar.progress(done / len(sample), text=audit_progress(done, len(sample)))
    bar.empty()
    return AuditResult(pd.DataFrame(rows), audited_methods(loaded.model, settings))


def show_result(result: AuditResult, run_id: str) -> None:
    """The audit's sentence, table, chart, other checks and CSV."""
    summary = result.summary()
    st.markdown(audit_sentence(summary))
    st.dataframe(method_table(result), hide_index=True)
    st.plotly_chart(ff.audit_figure(summary), key="audit", config={"displaylogo": False})
    with st.expander("For data scientists: agreement, IG's delta, counterfactuals"):
        for line in other_checks(summary):
            st.markdown(f"- {line}")
    st.download_button(
        "Audit per shopper (CSV)",
        csv_bytes(result.per_user),
        file_name=f"{run_id}-audit.csv",
        mime="text/csv",
        icon=":material/download:",
    )


def method_table(result: AuditResult) -> pd.DataFrame:
    """`AuditResult.method_table()` for reading: method names, percentages, 3 digits."""
    table = result.method_table()
    out = pd.DataFrame({"Method": [METHOD_NAMES.get(m, m) for m in table["method"]]})
    out["Beats random events (whole curve)"] = [percent(v) for v in table["deletion curve"]]
    for k in COMPREHENSIVENESS_KS:
        out[f"Top {k} removed beats random"] = [percent(v) for v in table[f"top {k}"]]
    out["Mean score drop"] = [significant(v) for v in table["score drop"]]
    out["Random events' drop"] = [significant(v) for v in table["random drop"]]
    return out


def other_checks(summary: Mapping[str, Any]) -> list[str]:
    """The audit's other numbers as sentences (agreement, IG's delta, counterfactuals)."""
    lines = []
    for pair, value in summary.get("agreement", {}).items():
        a, b = (METHOD_NAMES.get(m, m) for m in pair.split("~"))
        lines.append(
            f"Rank correlation (Spearman) of {a} and {b}: {significant(value, 2)} on average."
        )
    ig = summary.get("ig")
    if ig:
        lines.append(
            f"Integrated Gradients: mean |convergence delta| {significant(ig['mean_abs_convergence_delta'], 2)}; "
            f"large for {percent(ig['large_delta_share'])} of shoppers."
        )
    found = summary["counterfactual"]
    lines.append(
        f"A change of the first recommendation was found for {percent(found['found_share'])} of "
        f"shoppers, removing {significant(found['mean_size'], 2)} events on average; proven "
        f"smallest for {percent(found['proven_minimal_share'])} of them."
    )
    lines.append(f"Shoppers audited: {count(summary['users'])}.")
    return lines
