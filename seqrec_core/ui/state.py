"""Session-state keys and URL mirroring: session state holds ids (strings), never objects.

Pages read the current workspace and dataset through these keys; pickers that belong in a
link (dataset, run, user; Recommend's filters through `filter_link`) are mirrored in `st.query_params` so a
shared URL reopens the same view. What a user picked is also remembered per dataset for
the session (`remember_choice`), so switching to another dataset and back, or to a page
without the picker and back, reopens the same run and shopper. Tabs whose hidden content
would be costly are drawn only when open (`open_tabs`), their widgets' values kept
meanwhile (`keep_values`).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

# Widget and state keys shared across pages (also the query-parameter names).
WORKSPACE = "workspace"  # str: the workspace folder
DATASET = "dataset"  # str: the selected dataset's name (the sidebar picker's widget key)
RUN = "run"  # str: the selected training run (Train/Explain/Recommend pages)
USER = "user"  # str: the selected user id (Explain/Profile/Recommend pages)

# Internal keys.
PENDING_DATASET = "_pending_dataset"  # a dataset to select on the next run (after ingest)
LAST_INGEST = "_last_ingest"  # {"dataset", "reused", "source"} of this session's last ingest
SAMPLE_TRIED = "_sample_tried"  # the first-start sample ingest ran (once per session)
CHOICES = "_choices"  # {dataset: {key: value}}: what was last picked on each dataset
CHOSEN_ON = "_chosen_on"  # {key: dataset}: the dataset the picker's current value belongs to


def request_dataset(name: str) -> None:
    """Select dataset `name` in the sidebar picker from the next run on.

    The picker's widget state cannot change after it was drawn in the current run, so a
    page that creates a dataset calls this and then `st.rerun()`.
    """
    st.session_state[PENDING_DATASET] = name


def current_dataset() -> str | None:
    """The name of the dataset selected in the sidebar, or None."""
    return st.session_state.get(DATASET)


def require_dataset() -> str:
    """The selected dataset's name; without one, say where to get one and stop the page."""
    name = current_dataset()
    if name is None:
        st.info("Pick or add a dataset first (Data page).", icon=":material/database:")
        st.stop()
    return str(name)


def remember_choice(key: str, value: object) -> None:
    """Remember `value` as this session's choice for picker `key` on the current dataset."""
    dataset = current_dataset()
    st.session_state.setdefault(CHOICES, {}).setdefault(dataset, {})[key] = value
    st.session_state.setdefault(CHOSEN_ON, {})[key] = dataset


def remembered(key: str) -> object:
    """This session's last choice for picker `key` on the current dataset, or None."""
    return st.session_state.get(CHOICES, {}).get(current_dataset(), {}).get(key)


def candidates(key: str) -> list[object]:
    """What picker `key` should show, best first: its value in the session, the URL, the
    choice remembered for the current dataset (first when the session's value was picked
    on another dataset: the user switched datasets and came back)."""
    switched = st.session_state.get(CHOSEN_ON, {}).get(key, current_dataset()) != current_dataset()
    here = [st.session_state.get(key), st.query_params.get(key)]
    found = [remembered(key), *here] if switched else [*here, remembered(key)]
    return [value for value in found if value is not None]


def initial_choice(key: str, options: Sequence[str], default: str | None = None) -> str | None:
    """The value a picker should show: session state, else the URL, else this session's
    last choice on the current dataset (see `candidates`), else `default`, else the first
    option.

    Values that are not among `options` (a stale link, a deleted dataset) are ignored.
    """
    for candidate in candidates(key):
        if candidate in options:
            return candidate  # type: ignore[return-value]
    if default in options:
        return default
    return options[0] if options else None


def mirror_in_url(key: str, value: str | None) -> None:
    """Keep query parameter `key` equal to `value` (removed when None)."""
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def record_ingest(name: str, reused: bool, source: str | None = None) -> None:
    """Remember this session's last ingest: the dataset, whether an identical ingest was
    reused, and the (temporary) source path it came from."""
    st.session_state[LAST_INGEST] = {"dataset": name, "reused": bool(reused), "source": source}


def last_ingest_reused(name: str) -> bool:
    """Whether this session's last ingest of dataset `name` reused an identical one."""
    last = st.session_state.get(LAST_INGEST) or {}
    return last.get("dataset") == name and bool(last.get("reused"))


def ingested_from(source: str) -> bool:
    """Whether this session's last ingest read the file at `source`."""
    return (st.session_state.get(LAST_INGEST) or {}).get("source") == source


def open_tabs(labels: Sequence[str], key: str) -> list:
    """`st.tabs` that rerun the page when another tab is picked, so a page can draw only
    the open tab's content (`tab.open`): a hidden map or chart costs neither the server nor
    the browser anything. The open tab is session state `key` (a label)."""
    return list(st.tabs(list(labels), key=key, on_change="rerun"))


def keep_values(keys: Sequence[str]) -> None:
    """Keep the values of widgets `keys` while they are not drawn (inside a closed tab):
    Streamlit forgets a widget's value on a run that does not draw it, unless the value was
    set in session state; set it again to what it is."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
