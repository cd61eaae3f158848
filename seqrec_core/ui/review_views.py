"""The review-report block of the Explain page: assemble, store and download a report.

The report itself is built by `seqrec_core.report.review_report` (also the `report` command); this block
only asks which shoppers to include, shows progress, and offers every stored report of
the run for download.
"""

from __future__ import annotations

import streamlit as st

from seqrec_core.report.defaults import AUDIT_USERS
from seqrec_core.report.review_report import build_report, list_reports
from seqrec_core.store import Workspace
from seqrec_core.ui.feedback import plain, user_errors


def report_panel(workspace: Workspace, run_id: str, user: str) -> None:
    """Form → report (with a progress bar) → download; earlier reports of the run below."""
    with st.form("review_form"):
        users = st.text_input(
            "Shoppers to explain (comma-separated ids)",
            value=user,
            help="Leave empty for three telling cases: most and least confident, most surprising.",
        )
        cols = st.columns(2)
        audit = cols[0].number_input("Shoppers in the faithfulness audit", 0, 500, AUDIT_USERS)
        note = cols[1].text_input("Reviewer's note (printed at the top)")
        submitted = st.form_submit_button("Build the review report", icon=":material/description:")
    if submitted:
        picked = [u.strip() for u in users.split(",") if u.strip()] or None
        bar = st.progress(0.0, text="Starting…")
        with user_errors():
            try:
                info = build_report(
                    workspace,
                    run_id,
                    users=picked,
                    audit_users=int(audit),
                    reviewer_note=note,
                    progress=lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text),
                )
            finally:
                bar.empty()
            st.success(
                f"Report {info.report_id} stored in the workspace.", icon=":material/check_circle:"
            )
    reports = list_reports(workspace, run_id)
    if not reports:
        st.caption("No review report for this run yet.")
    for report in reports[:10]:
        cols = st.columns([3, 2])
        cols[0].markdown(
            f"**{plain(report.report_id)}** · {report.created_at:%Y-%m-%d %H:%M} UTC · {plain(', '.join(report.users))}"
        )
        cols[1].download_button(
            "Download (HTML)",
            report.path.read_bytes(),
            file_name=f"{report.report_id}.html",
            mime="text/html",
            key=f"download_{report.report_id}",
            icon=":material/download:",
        )
