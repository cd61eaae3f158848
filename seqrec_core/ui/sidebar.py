"""The shared sidebar drawn by `app.py` on every page: workspace, dataset picker.

On the first start with an empty workspace it ingests the bundled sample shop, so the app
is useful at once. The selected dataset's name lives in session state under
`state.DATASET` and in the URL as `?dataset=NAME`.
"""

from __future__ import annotations

import streamlit as st

from seqrec_core.errors import SeqRecError
from seqrec_core.ingest.sample import SAMPLE_DATASET
from seqrec_core.store import Workspace, default_workspace_path
from seqrec_core.ui import loaders, model_pickers, state
from seqrec_core.ui.feedback import plain, show_error


def current_workspace() -> Workspace:
    """The session's workspace (folder fixed at the session's start, handle cached)."""
    if state.WORKSPACE not in st.session_state:
        st.session_state[state.WORKSPACE] = str(default_workspace_path())
    return loaders.open_workspace(st.session_state[state.WORKSPACE])


def draw_sidebar() -> None:
    """Draw the workspace line and the dataset picker into the sidebar."""
    workspace = current_workspace()
    listed = model_pickers.list_datasets(workspace)
    if not listed and _first_start(workspace):
        listed = model_pickers.list_datasets(workspace)
    datasets = {info.name: info for info in listed}
    names = list(datasets)
    with st.sidebar:
        pending = st.session_state.pop(state.PENDING_DATASET, None)
        if pending in datasets:
            st.session_state[state.DATASET] = pending
        else:
            choice = state.initial_choice(state.DATASET, names)
            if choice is None:
                st.session_state.pop(state.DATASET, None)
            else:
                st.session_state[state.DATASET] = choice
        selected = st.selectbox(
            "Dataset",
            names,
            key=state.DATASET,
            placeholder="No dataset yet",
            help="Every page works on this dataset. Add one on the Data page.",
        )
        state.mirror_in_url(state.DATASET, selected)
        if selected is not None:
            info = datasets[selected]
            st.caption(
                f"{info.rows_accepted:,} events · {info.users:,} users · {info.items:,} items  \n"
                f"from {plain(info.source_name)} · {info.created_at:%Y-%m-%d %H:%M} UTC"
            )
        st.caption(f"Workspace: `{workspace.root}`")


def _first_start(workspace: Workspace) -> bool:
    """Ingest the bundled sample once per session (the workspace has no dataset); whether
    it is there now."""
    if st.session_state.get(state.SAMPLE_TRIED):
        return False
    st.session_state[state.SAMPLE_TRIED] = True
    try:
        with st.spinner("First start: preparing the bundled sample shop…"):
            loaders.ensure_sample(workspace)
    except SeqRecError as error:
        if workspace.find_dataset(SAMPLE_DATASET) is None:
            with st.sidebar:
                show_error(error)
            return False
        return True
    st.session_state[state.PENDING_DATASET] = SAMPLE_DATASET
    return True
