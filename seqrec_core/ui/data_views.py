"""Blocks of the Data page: the verdict, the validation report and the profile charts.

They draw what `seqrec_core` computed (a `DatasetInfo`, a `DatasetProfile`, the verdict of
`data.dataset_verdict`); numbers go through `report.numbers`. The one action here is the
report's own advice: bot-like shoppers are excluded with one click, as a new dataset
version (`ingest.user_exclusion`), the original kept. The review report reuses the same
figure functions (`figures.dataset_profile`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from seqrec_core.data.dataset_profile import DatasetProfile
from seqrec_core.data.dataset_verdict import dataset_verdict, plural, span_words
from seqrec_core.figures import dataset_profile
from seqrec_core.ingest import user_exclusion
from seqrec_core.ingest.quality import REJECT_HINTS, REJECT_REASONS, Flag, Issue, ValidationReport
from seqrec_core.report.numbers import count, percent, share, significant
from seqrec_core.store import DatasetInfo, Workspace
from seqrec_core.ui import loaders, navigation, state
from seqrec_core.ui.feedback import plain, user_errors

_CHART_CONFIG = {"displaylogo": False}
EXCLUDE_BOTS = "exclude_bots"  # the button that publishes `<name>-no-bots`
# Rows tall enough for Streamlit to wrap long text (it wraps above 4rem).
_WRAPPED_ROW_PX = 72


@st.cache_data(max_entries=8, show_spinner=False)
def load_bot_like_users(events_path: str) -> pd.DataFrame:
    """The bot-like shoppers of a dataset (`user_id, events, share`), most active first."""
    return user_exclusion.bot_like_users(Path(events_path))


def show_verdict(report: ValidationReport, profile: DatasetProfile) -> None:
    """The page's opening sentence: how much data, and what to do first."""
    verdict = dataset_verdict(report, profile.headline, profile.sequence_lengths)
    st.markdown(f"**{plain(verdict[0].upper() + verdict[1:])}**")


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


def show_report(workspace: Workspace, info: DatasetInfo, *, reused: bool = False) -> None:
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
    cols[0].metric("Rows read", count(report.rows_read))
    cols[1].metric("Rows accepted", count(report.rows_accepted))
    cols[2].metric(
        "Rows rejected",
        count(report.rows_rejected),
        help=f"{share(report.rows_rejected, report.rows_read)} of the rows read. Every "
        "rejected row is kept with its line number and reason; download them below.",
    )
    cols[3].metric("Users", count(report.users))
    cols[4].metric("Items", count(report.items))
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
        if flag.code == "heavy_user":
            _bot_like_users(workspace, info, flag)
        else:
            _flag(flag, report.rows_read)


def rejection_table(report: ValidationReport) -> pd.DataFrame:
    """One row per rejection reason: `reason, rows, share, meaning, what to do`."""
    reasons = list(report.rejected_by_reason)
    return pd.DataFrame(
        {
            "reason": reasons,
            "rows": list(report.rejected_by_reason.values()),
            "share": [share(n, report.rows_read) for n in report.rejected_by_reason.values()],
            "meaning": [REJECT_REASONS.get(r, "") for r in reasons],
            "what to do": [REJECT_HINTS.get(r, "") for r in reasons],
        }
    )


def _rejections(info: DatasetInfo, report: ValidationReport) -> None:
    if not report.rows_rejected:
        st.success("Every row was accepted.", icon=":material/check_circle:")
        return
    st.markdown("#### Rejected rows by reason")
    st.dataframe(
        rejection_table(report),
        hide_index=True,
        width="stretch",
        row_height=_WRAPPED_ROW_PX,
        column_config={
            "reason": st.column_config.TextColumn("reason", width="medium"),
            "rows": st.column_config.NumberColumn("rows", format="localized", width="small"),
            "share": st.column_config.TextColumn(
                "share", width="small", help="Share of the rows read from the file"
            ),
            # Narrow and tall: long sentences wrap, the table stretches to the page.
            "meaning": st.column_config.TextColumn("meaning", width="medium"),
            "what to do": st.column_config.TextColumn("what to do", width="medium"),
        },
    )
    for reason, issues in report.examples.items():
        if issues:
            with st.expander(f"Examples: {reason} (line numbers in the file)"):
                _issue_table(issues)
    st.download_button(
        "Download rejected rows (CSV)",
        loaders.load_rejected_csv(str(info.rejected_path)),
        file_name=f"{info.name}-rejected.csv",
        mime="text/csv",
        icon=":material/download:",
        key="download_rejected",
    )


def issue_frame(issues: list[Issue]) -> pd.DataFrame:
    """Example rows of a reason or warning: `line, column, value, message`, leaving out
    the columns no example fills (flagged users have no line, for instance)."""
    frame = pd.DataFrame(
        {
            "line": pd.array([i.line for i in issues], dtype="Int64"),
            "column": [i.column for i in issues],
            "value": [i.value for i in issues],
            "message": [i.message for i in issues],
        }
    )
    return frame[[c for c in frame.columns if frame[c].notna().any()]]


def _issue_table(issues: list[Issue]) -> None:
    st.dataframe(
        issue_frame(issues),
        hide_index=True,
        width="stretch",
        row_height=_WRAPPED_ROW_PX,
        column_config={
            "line": st.column_config.NumberColumn("line", format="plain", width="small"),
            "message": st.column_config.TextColumn("message", width="medium"),
        },
    )


def _flag(flag: Flag, rows_read: int) -> None:
    """A warning about kept rows, with how many rows (and what share of the file)."""
    if flag.code == "excluded_users":  # what a version left out: a note, not a problem
        st.info(plain(flag.message), icon=":material/filter_alt:")
        return
    rows = f" ({plural(flag.count, 'row')}, {share(flag.count, rows_read)})" if flag.count else ""
    st.warning(f"{plain(flag.message)}{rows}", icon=":material/warning:")
    if flag.examples:
        _issue_table(flag.examples)


def _bot_like_users(workspace: Workspace, info: DatasetInfo, flag: Flag) -> None:
    """The flagged shoppers, and the button that makes the dataset's version without them."""
    bots = load_bot_like_users(str(info.events_path))
    n = len(bots) or flag.count
    st.warning(
        f"{plural(n, 'shopper')} {'has' if n == 1 else 'have'} far more events than anyone "
        f"else ({percent(bots['share'].sum())} of all events): usually a "
        "bot, a crawler or a shared account. They were kept; a model trained with them "
        "learns their clicking rather than your shoppers' tastes.",
        icon=":material/smart_toy:",
    )
    table = pd.DataFrame(
        {
            "shopper": bots["user_id"],
            "events": bots["events"],
            "share of all events": [percent(s) for s in bots["share"]],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"events": st.column_config.NumberColumn("events", format="localized")},
    )
    name = user_exclusion.no_bots_name(info.name)
    if workspace.find_dataset(name) is not None:
        st.caption(f"Dataset **{plain(name)}** is this one without them.")
        if st.button(f"Open {name}", key=EXCLUDE_BOTS, icon=":material/filter_alt:"):
            _open(name)
        return
    label = f"Exclude {'this shopper' if n == 1 else f'these {count(n)} shoppers'}"
    if st.button(
        label,
        key=EXCLUDE_BOTS,
        icon=":material/filter_alt:",
        help=f"Makes a new dataset, {name}, without their events; {info.name} stays as it is.",
    ):
        with user_errors(), st.spinner(f"Writing {name}…"):
            user_exclusion.exclude_bot_like_users(workspace, info.name)
            _open(name)


def _open(name: str) -> None:
    """Select dataset `name` in the sidebar and draw the page again."""
    state.request_dataset(name)
    st.rerun()


def show_profile(profile: DatasetProfile) -> None:
    """Headline numbers and every profile chart of a dataset."""
    head = profile.headline
    cols = st.columns(5)
    cols[0].metric("Events", count(head.events))
    cols[1].metric("Users", count(head.users))
    cols[2].metric("Items", count(head.items))
    cols[3].metric("Time span", span_words(head.span_days), help=_time_range(profile))
    cols[4].metric("Median events per user", significant(head.median_sequence_length))
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


def _time_range(profile: DatasetProfile) -> str | None:
    """First and last event, to the minute (UTC)."""
    head = profile.headline
    if head.time_min is None or head.time_max is None:
        return None
    return f"{head.time_min:%Y-%m-%d %H:%M} → {head.time_max:%Y-%m-%d %H:%M} UTC"


def show_next_step(dataset: str) -> None:
    """Where to go once the data looks right: train a model on it."""
    st.markdown("#### Next step")
    st.markdown(
        "When the report and the charts look right, train a model on this dataset: it "
        "learns from each shopper's history what they are likely to want next."
    )
    navigation.link("train", "Train a model on this dataset", dataset=dataset)


def _chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, width="stretch", config=_CHART_CONFIG)
