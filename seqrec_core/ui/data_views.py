"""Blocks of the Data page: the validation report and the dataset profile charts.

They draw what `seqrec_core` computed (a `DatasetInfo`, a `DatasetProfile`); no logic of
their own beyond layout. The review report reuses the same figure functions (`dataset_profile`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from seqrec_core.data.dataset_profile import DatasetProfile
from seqrec_core.figures import dataset_profile
from seqrec_core.ingest.quality import REJECT_HINTS, REJECT_REASONS, ValidationReport
from seqrec_core.store import DatasetInfo
from seqrec_core.ui import loaders
from seqrec_core.ui.feedback import plain

_CHART_CONFIG = {"displaylogo": False}


def show_source(preview_format: str, encoding: str | None, delimiter: str | None, header: bool):
    """One line saying how the file was read (format, encoding, delimiter, header)."""
    parts = [f"**Format:** {plain(preview_format)}"]
    if encoding:
        parts.append(f"**Encoding:** {plain(encoding)}")
    if delimiter:
        shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe", " ": "space"}
        parts.append(f"**Delimiter:** {shown.get(delimiter, plain(repr(delimiter)))}")
    parts.append(f"**Header row:** {'yes' if header else 'no (columns named by position)'}")
    st.markdown(" · ".join(parts))


def show_report(info: DatasetInfo, *, reused: bool = False) -> None:
    """The validation report of a dataset: counts, reasons with examples, warnings."""
    report = info.report
    if reused:
        st.info(
            f"This file was already ingested with the same options as **{plain(info.name)}**; "
            "nothing was re-read. Showing the existing dataset.",
            icon=":material/content_copy:",
        )
    if report.duplicate_of:
        st.caption("The same file was also ingested as " + ", ".join(report.duplicate_of) + ".")
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Rows accepted", f"{report.rows_accepted:,}")
    cols[2].metric(
        "Rows rejected",
        f"{report.rows_rejected:,}",
        help="Every rejected row is kept with its line number and reason; download them below.",
    )
    cols[3].metric("Users", f"{report.users:,}")
    cols[4].metric("Items", f"{report.items:,}")
    show_source(report.format, report.encoding, report.delimiter, report.has_header)
    with st.expander("Column mapping used"):
        mapping = pd.DataFrame(
            {"source column": list(report.column_mapping), "field": report.column_mapping.values()}
        )
        st.dataframe(mapping, hide_index=True, width="stretch")
        if report.timestamp_format:
            st.caption(f"Timestamps read as: {plain(report.timestamp_format)}")
    _rejections(info, report)
    for flag in report.warnings:
        count = f" ({flag.count:,} rows)" if flag.count else ""
        st.warning(f"{plain(flag.message)}{count}", icon=":material/warning:")
        if flag.examples:
            st.dataframe(_issues(flag.examples), hide_index=True, width="stretch")


def _rejections(info: DatasetInfo, report: ValidationReport) -> None:
    if not report.rows_rejected:
        st.success("Every row was accepted.", icon=":material/check_circle:")
        return
    st.markdown("#### Rejected rows by reason")
    table = pd.DataFrame(
        {
            "reason": list(report.rejected_by_reason),
            "rows": list(report.rejected_by_reason.values()),
            "meaning": [REJECT_REASONS.get(r, "") for r in report.rejected_by_reason],
            "what to do": [REJECT_HINTS.get(r, "") for r in report.rejected_by_reason],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    for reason, issues in report.examples.items():
        if issues:
            with st.expander(f"Examples: {reason} (line numbers in the file)"):
                st.dataframe(_issues(issues), hide_index=True, width="stretch")
    st.download_button(
        "Download rejected rows (CSV)",
        loaders.load_rejected_csv(str(info.rejected_path)),
        file_name=f"{info.name}-rejected.csv",
        mime="text/csv",
        icon=":material/download:",
        key="download_rejected",
    )


def _issues(issues: list) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": [i.line for i in issues],
            "column": [i.column for i in issues],
            "value": [i.value for i in issues],
            "message": [i.message for i in issues],
        }
    ).astype({"line": "Int64"})


def show_profile(profile: DatasetProfile) -> None:
    """Headline numbers and every profile chart of a dataset."""
    head = profile.headline
    cols = st.columns(5)
    cols[0].metric("Events", f"{head.events:,}")
    cols[1].metric("Users", f"{head.users:,}")
    cols[2].metric("Items", f"{head.items:,}")
    span = (
        f"{head.time_min:%Y-%m-%d} → {head.time_max:%Y-%m-%d}" if head.time_min is not None else "–"
    )
    cols[3].metric("Time span", f"{head.span_days:,.0f} days", help=span)
    cols[4].metric("Median events per user", f"{head.median_sequence_length:g}")
    if head.catalog_items == 0:
        st.info(
            "This dataset has no item catalog: charts show item ids. Upload a catalog file "
            "(item_id plus title, category, brand, price) with the log to see names.",
            icon=":material/info:",
        )
    _chart(dataset_profile.events_over_time_figure(profile.events_over_time, profile.time_bin))
    median = profile.headline.median_sequence_length
    rows = (
        (
            dataset_profile.funnel_figure(profile.funnel),
            dataset_profile.sequence_length_figure(profile.sequence_lengths, median),
        ),
        (
            dataset_profile.popularity_figure(profile.popularity),
            dataset_profile.top_items_figure(profile.top_items),
        ),
    )
    for left_fig, right_fig in rows:
        left, right = st.columns(2)
        with left:
            _chart(left_fig)
        with right:
            _chart(right_fig)
    left, right = st.columns(2)
    with left:
        _chart(dataset_profile.coverage_figure(profile.coverage))
    with right:
        top, paths, brands = st.tabs(["Top-level categories", "Category paths", "Brands"])
        with top:
            _chart(dataset_profile.top_categories_figure(profile.top_categories, "top"))
        with paths:
            _chart(dataset_profile.top_categories_figure(profile.top_category_paths, "path"))
        with brands:
            _chart(dataset_profile.top_brands_figure(profile.top_brands))


def _chart(fig) -> None:
    st.plotly_chart(fig, width="stretch", config=_CHART_CONFIG)
