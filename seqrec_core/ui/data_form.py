"""The "Add data" block of the Data page: the bundled sample, or an upload with its
preview, column mapping and ingest form.

An upload goes: file uploader → temp file (`uploads`) → cached preview (`loaders`) → one
`st.form` of mapping, name and options → `ingest` with a progress bar → the new dataset is
selected in the sidebar on the next run (`state.request_dataset`). Only the fields the
user changed from the auto-detected mapping are passed to `ingest` as overrides. While an
upload is previewed but not yet ingested, `add_data` says so, so the page does not show
the selected dataset's report under the new file's preview as if it were the file's.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from seqrec_core import schema
from seqrec_core.ingest.pipeline import SourcePreview, ingest
from seqrec_core.ingest.sample import SAMPLE_DATASET
from seqrec_core.store import Workspace, validate_name
from seqrec_core.ui import data_views, loaders, state, uploads
from seqrec_core.ui.feedback import plain, user_errors

KEEP = "(keep as extra column)"
SAMPLE, UPLOAD = "Bundled sample shop", "Upload a file"
SOURCE = "data_source"  # the segmented control: sample or upload
EVENTS_UPLOAD, CATALOG_UPLOAD = "events_upload", "catalog_upload"


def add_data(workspace: Workspace) -> str | None:
    """Offer the sample shop or an upload; an ingest selects its dataset and reruns.

    Returns:
        The name of an uploaded file that is previewed but not ingested yet, else None.
    """
    source = st.segmented_control("Add data", [SAMPLE, UPLOAD], default=SAMPLE, key=SOURCE)
    if source == UPLOAD:
        return _upload(workspace)
    _sample(workspace)
    return None


def _upload(workspace: Workspace) -> str | None:
    """The behaviour-log uploader, then (once a file is there) its preview and the form;
    the file's name while it awaits its ingest."""
    uploaded = st.file_uploader(
        "Behaviour log", key=EVENTS_UPLOAD, help="One row per event; the first row may be a header."
    )
    path = uploads.stash_upload(EVENTS_UPLOAD, uploaded)
    if uploaded is None or path is None:
        return None
    done = state.ingested_from(str(path))  # collapse once ingested, to show the report
    label = f"{plain(uploaded.name)}: format, preview and column mapping"
    with st.expander(label, expanded=not done, icon=":material/table_view:"), user_errors():
        preview = loaders.load_preview(str(path), uploaded.name)
        data_views.show_source(
            preview.format, preview.encoding, preview.delimiter, preview.has_header
        )
        for warning in preview.warnings:
            st.warning(plain(warning), icon=":material/warning:")
        st.dataframe(preview.sample.head(8), hide_index=True, width="stretch")
        _ingest_form(workspace, path, uploaded.name, preview)
    return None if done else uploaded.name


def _ingest_form(workspace: Workspace, path: Path, display: str, preview: SourcePreview) -> None:
    """Mapping, name and options in one form; on submit, ingest with a progress bar."""
    options = [KEEP, *schema.ALL_FIELDS]
    tag = path.name.split(".")[0][:8]  # new file, new widgets: defaults come from its guess
    with st.form("ingest_form"):
        st.markdown("**Column mapping:** what each column of the file holds")
        grid = st.columns(3)
        choices: dict[str, str | None] = {}
        for i, column in enumerate(preview.columns):
            auto = preview.mapping.get(column)
            values = preview.sample[column].dropna().astype(str)
            examples = ", ".join(values[values.str.strip() != ""].head(3))
            picked = grid[i % 3].selectbox(
                plain(column) or f"column {i + 1}",
                options,
                index=options.index(auto) if auto in options else 0,
                key=f"map_{tag}_{i}",
                help=f"e.g. {plain(examples)}" if examples else None,
            )
            choices[column] = None if picked == KEEP else picked
        name = st.text_input(
            "Dataset name",
            value=uploads.suggest_name(workspace, path, display),
            max_chars=64,
            help="Letters, digits, '-', '_' and '.' only.",
        )
        catalog = st.file_uploader(
            "Item catalog (optional)",
            key=CATALOG_UPLOAD,
            help="item_id plus title, category (e.g. 'Home > Kitchen'), brand, price, …",
        )
        pseudonymize = st.checkbox(
            "Pseudonymize user ids",
            help="Replace user ids by a keyed hash; the key stays in this workspace.",
        )
        replace = st.checkbox("Replace an existing dataset of the same name")
        submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload:")
    if not submitted:
        return
    with user_errors():
        validate_name(name.strip())
        overrides = {c: f for c, f in choices.items() if f != preview.mapping.get(c)}
        catalog_path = uploads.stash_upload(CATALOG_UPLOAD, catalog)
        bar = st.progress(0.0, text="Starting…")
        try:
            result = ingest(
                path,
                workspace,
                name.strip(),
                display_name=display,
                items_path=catalog_path,
                items_display_name=catalog.name if catalog is not None else None,
                column_mapping=overrides or None,
                pseudonymize=pseudonymize,
                replace=replace,
                progress=lambda done, text: bar.progress(min(max(done, 0.0), 1.0), text=text),
            )
        finally:
            bar.empty()  # a failed ingest leaves its error, not a half-full bar
        state.record_ingest(result.dataset.name, result.reused, str(path))
        state.request_dataset(result.dataset.name)
        st.rerun()


def _sample(workspace: Workspace) -> None:
    """What the sample shop is, and a button that opens it (ingested on first use)."""
    st.markdown(
        "A synthetic shop with a real-looking catalog (titles, category paths, brands, "
        "prices) and shoppers whose views, carts and purchases follow planted rules: "
        "the quickest way to try every page."
    )
    opened = state.current_dataset() == SAMPLE_DATASET
    if st.button(
        "Open the sample shop",
        key="open_sample",
        icon=":material/storefront:",
        disabled=opened,
        help="It is the dataset shown below." if opened else None,
    ):
        with user_errors():
            with st.spinner("Preparing the sample shop…"):
                loaders.ensure_sample(workspace)
            state.request_dataset(SAMPLE_DATASET)
            st.rerun()
