"""Data: add a behaviour log (or the bundled sample), check its quality, profile it."""

from __future__ import annotations

import streamlit as st

from seqrec_core import ui
from seqrec_core.ui import data_form, data_views, item_text_views, loaders, state
from seqrec_core.ui.feedback import plain

st.title("Data")
st.caption(
    "Bring a behaviour log (CSV, CSV.gz, Parquet, JSON lines …) with one row per event: "
    "who, which item, when, and ideally what they did. Every row is accepted or rejected "
    "with its reason and line number; nothing is dropped silently."
)
workspace = ui.current_workspace()
pending = data_form.add_data(workspace)

st.divider()
selected = state.current_dataset()
if selected is None:
    st.info("No dataset yet: open the sample shop or upload a file above.")
    st.stop()
if pending is not None:
    # The selected dataset is not the previewed file: its report here would read as the file's.
    st.info(
        f"Ingest **{plain(pending)}** above to see its validation report and profile here. "
        f"The dataset selected now, {plain(selected)}, is shown again when you remove the "
        "file or switch back to the sample shop above.",
        icon=":material/hourglass_empty:",
    )
    st.stop()
with ui.user_errors():
    info = workspace.get_dataset(selected)
    items = str(info.items_path) if info.items_path is not None else None
    profile = loaders.load_profile(str(info.events_path), items)
    st.header(f"Dataset: {selected}")
    data_views.show_verdict(info.report, profile)
    st.subheader("Validation report")
    data_views.show_report(workspace, info, reused=state.last_ingest_reused(selected))
    st.subheader("Profile")
    data_views.show_profile(profile)
    data_views.show_next_step(selected)
    st.subheader("Item text")
    item_text_views.show_item_text(workspace, info)
