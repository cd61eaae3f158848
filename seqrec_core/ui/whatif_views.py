"""The what-if editor of the Recommend page: edit a shopper's history, see the list change.

The edited history lives in session state as `[item_id, event_type]` pairs (ids, never
objects), one per run and shopper; every edit re-scores at once, and the rank diff shows
what moved. Scenarios are named edited histories kept for a side-by-side comparison. The
labels of the add-an-item picker (one per product) are built once per run (`item_labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from seqrec_core.figures.recommend import rank_diff_figure
from seqrec_core.recommend import whatif
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.ui import model_pickers
from seqrec_core.ui.feedback import plain, user_errors

if TYPE_CHECKING:  # the type only; `DataFrame.style` imports it (and jinja2) when used
    from pandas.io.formats.style import Styler

# {"key": run/user, "value": [[item_id, event_type], ...], "version": n, "selected": index}
_EDIT = "_whatif_edit"
_COMPARE = "whatif_compare"  # the scenarios picked for comparison (widget key)
_SCENARIOS = "_whatif_scenarios"  # {"key": run/user, "value": {name: [[item_id, type], ...]}}
_ADD_ITEM = "whatif_add_item"  # widget keys of the add-an-item picker
_ADD_TYPE = "whatif_add_type"


@st.cache_resource(max_entries=2, show_spinner=False)
def item_labels(root: str, run_id: str) -> Mapping[str, str]:
    """Item id → "Title (id)" for every product of run `run_id`, in the catalog's order
    (shared by every session; read-only)."""
    table = model_pickers.load_engine(root, run_id).table
    return MappingProxyType(
        {item: f"{table.label(n)} ({item})" for n, item in enumerate(table.items.tokens, 1)}
    )


def _stored(key: str, slot: str, default: object) -> object:
    box = st.session_state.get(slot)
    if not box or box.get("key") != key:
        st.session_state[slot] = {"key": key, "value": default}
    return st.session_state[slot]["value"]


def _put(slot: str, value: object) -> None:
    st.session_state[slot]["value"] = value


def edited_history(key: str, original: tuple[Event, ...]) -> tuple[Event, ...]:
    """The current what-if history for `key` (starts as the stored history)."""
    box = st.session_state.get(_EDIT)
    if not box or box.get("key") != key:
        # Another shopper or run: fresh widget keys too, so no picker keeps the last
        # shopper's event.
        version = box.get("version", 0) + 1 if box else 0
        pairs = [[e.item_id, e.event_type] for e in original]
        st.session_state[_EDIT] = {"key": key, "value": pairs, "version": version}
    return _current()


def _current() -> tuple[Event, ...]:
    """The edited history of the editor drawn last (what a widget callback edits)."""
    return tuple(Event(i, t) for i, t in st.session_state[_EDIT]["value"])


def _save(history: tuple[Event, ...], selected: int) -> None:
    pairs = [[e.item_id, e.event_type] for e in history]
    box = st.session_state[_EDIT]
    box["selected"] = selected
    if pairs != box["value"]:
        box["value"] = pairs
        # Fresh widget keys after every edit, so no picker keeps a value for an event
        # that has moved or gone.
        box["version"] = box.get("version", 0) + 1


def _version() -> int:
    return int(st.session_state[_EDIT].get("version", 0))


def _picked(picker: str, history: tuple[Event, ...]) -> int:
    index = st.session_state.get(picker)
    return int(index) if index is not None and 0 <= int(index) < len(history) else len(history) - 1


# Widget callbacks: they edit the history before the rerun that draws it (one run per edit).
def _move(picker: str, step: int) -> None:
    history = _current()
    index = _picked(picker, history)
    _save(whatif.move_event(history, index, index + step), index + step)


def _remove(picker: str) -> None:
    history = _current()
    index = _picked(picker, history)
    _save(whatif.remove_event(history, index), min(index, len(history) - 2))


def _retype(picker: str, type_widget: str) -> None:
    history = _current()
    index = _picked(picker, history)
    _save(whatif.set_event_type(history, index, st.session_state[type_widget]), index)


def _add() -> None:
    history = whatif.add_event(
        _current(), Event(str(st.session_state[_ADD_ITEM]), st.session_state[_ADD_TYPE])
    )
    st.session_state[_ADD_ITEM] = None  # the picker is ready for the next product
    _save(history, len(history) - 1)  # the added event is picked


def _reset(original: tuple[Event, ...]) -> None:
    _save(original, len(original) - 1)


def _event_label(engine: RunRecommender, n: int, event: Event) -> str:
    data = engine.loaded.prepared.data
    name = (
        engine.table.label(data.items.index(event.item_id))
        if event.item_id in data.items
        else event.item_id
    )
    return f"#{n + 1} {event.event_type or 'event'} · {name}"


def history_frame(
    engine: RunRecommender, history: tuple[Event, ...], original: tuple[Event, ...]
) -> pd.DataFrame:
    """The edited history as a table, newest event first (where edits usually happen), with
    what changed against the original; `#` is the event's place, oldest first."""
    before = set(original)
    rows = []
    for n, event in reversed(list(enumerate(history))):
        data = engine.loaded.prepared.data
        index = data.items.index(event.item_id) if event.item_id in data.items else 0
        rows.append(
            {
                "#": n + 1,
                "item": engine.table.label(index) if index else event.item_id,
                "event": event.event_type,
                "category": engine.table.category[index] if index else None,
                "edited": "" if event in before else "✎",
                "item_id": event.item_id,
            }
        )
    return pd.DataFrame(rows, columns=["#", "item", "event", "category", "edited", "item_id"])


def editor(
    engine: RunRecommender,
    key: str,
    original: tuple[Event, ...],
    labels: Mapping[str, str],
) -> tuple[Event, ...]:
    """Widgets that edit the history (add, remove, move, change type, reset); returns it.

    Every widget edits through a callback, so an edit costs one run of the page (or of the
    fragment the editor is drawn in), not a run and a rerun.

    Args:
        engine: the run's recommender.
        key: what the edit belongs to (run and shopper).
        original: the shopper's stored history.
        labels: the add-an-item picker's options with their labels (`item_labels`).
    """
    history = edited_history(key, original)
    types = list(engine.loaded.prepared.data.event_types.tokens)
    frame = history_frame(engine, history, original)
    st.dataframe(
        frame,
        hide_index=True,
        key="whatif_history",
        # No column of blank cells (a catalog without categories).
        column_order=[c for c in frame.columns if frame.empty or frame[c].notna().any()],
        height=250,
        column_config={"#": st.column_config.NumberColumn(width=40, help="Place, oldest first")},
    )
    if history:
        _event_controls(engine, history, types)
    item = st.selectbox(
        "Add an item (type to search titles or ids)",
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key=_ADD_ITEM,
    )
    add = st.columns([1, 2], vertical_alignment="bottom")
    add[0].selectbox(
        "as", types, index=types.index("purchase") if "purchase" in types else 0, key=_ADD_TYPE
    )
    add[1].button(
        "Add as the newest event",
        key="whatif_add",
        disabled=item is None,
        icon=":material/add:",
        on_click=_add,
        width="stretch",
    )
    st.button(
        "Reset to the real history",
        key="whatif_reset",
        icon=":material/restart_alt:",
        on_click=_reset,
        args=(original,),
    )
    return history


def _event_controls(engine: RunRecommender, history: tuple[Event, ...], types: list[str]) -> None:
    """Pick an event (newest first) and change its type, move it or remove it."""
    version = _version()
    picker = f"whatif_event_{version}"
    last = len(history) - 1
    selected = min(max(int(st.session_state[_EDIT].get("selected", last)), 0), last)
    index = st.selectbox(
        "Event",
        range(last, -1, -1),  # newest first, as in the table
        index=last - selected,
        format_func=lambda n: _event_label(engine, n, history[n]),
        key=picker,
    )
    st.session_state[_EDIT]["selected"] = index
    cols = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
    current = history[index].event_type
    type_widget = f"whatif_type_{version}_{index}"
    cols[0].selectbox(
        "Event type",
        types,
        index=types.index(current) if current in types else 0,
        key=type_widget,
        on_change=_retype,
        args=(picker, type_widget),
    )
    cols[1].button(
        "↑", key="whatif_up", help="Move earlier", disabled=index == 0,
        on_click=_move, args=(picker, -1),
    )  # fmt: skip
    cols[2].button(
        "↓", key="whatif_down", help="Move later", disabled=index == len(history) - 1,
        on_click=_move, args=(picker, 1),
    )  # fmt: skip
    cols[3].button("✕", key="whatif_remove", help="Remove this event", on_click=_remove,
                   args=(picker,))  # fmt: skip


def diff_table(changes: Sequence[whatif.RankChange], label: Callable[[str], str]) -> Styler:
    """The rank diff as a table: item, change, ranks before and after, places moved and
    score change; a rank or a change that does not exist (a new or a dropped product)
    reads "—"."""
    frame = pd.DataFrame(
        {
            "item": [label(c.item_id) for c in changes],
            "change": [c.status for c in changes],
            "rank before": [c.rank_before for c in changes],
            "rank after": [c.rank_after for c in changes],
            "places": [c.moved_by for c in changes],
            "score change": [
                None
                if c.score_before is None or c.score_after is None
                else c.score_after - c.score_before
                for c in changes
            ],
        }
    )
    whole = {"rank before": "{:.0f}", "rank after": "{:.0f}", "places": "{:.0f}"}
    return frame.style.format({**whole, "score change": "{:+.3f}"}, na_rep="—")


def show_diff(engine: RunRecommender, changes: Sequence[whatif.RankChange], k: int) -> None:
    """The rank diff (`whatif.rank_diff`) as a table (status, ranks, score change) and a
    chart (in an expander, drawn when opened: every edit redraws this, and a chart is what
    costs the browser most)."""

    def label(item_id: str) -> str:
        return engine.table.label(engine.table.items.index(item_id))

    st.dataframe(diff_table(changes, label), hide_index=True, key="whatif_diff_table")
    with st.expander(
        "How each product moved, as a chart",
        icon=":material/bar_chart:",
        key="whatif_diff_open",
        on_change="rerun",
    ) as moves:
        if moves.open:
            st.plotly_chart(rank_diff_figure(changes, label, k), key="whatif_diff_chart")


def scenarios(
    engine: RunRecommender, key: str, history: tuple[Event, ...], filters: Filters, k: int
) -> None:
    """Save the current edit under a name; compare saved scenarios side by side."""
    saved: dict = _stored(key, _SCENARIOS, {})  # type: ignore[assignment]
    cols = st.columns([3, 1])
    name = cols[0].text_input(
        "Scenario name", placeholder="e.g. also bought a tent", key="whatif_name"
    )
    if cols[1].button("Save scenario", key="whatif_save", disabled=not name.strip()):
        saved[name.strip()] = [[e.item_id, e.event_type] for e in history]
        _put(_SCENARIOS, saved)
        shown = [n for n in st.session_state.get(_COMPARE, []) if n in saved]
        st.session_state[_COMPARE] = [*shown, name.strip()][-3:]  # show the new one at once
    picked = st.multiselect("Compare scenarios", list(saved), key=_COMPARE)
    if not picked:
        return
    with user_errors():
        columns = st.columns(len(picked))
        for column, scenario in zip(columns, picked, strict=True):
            events = tuple(Event(i, t) for i, t in saved[scenario])
            result = engine.recommend(events, k=k, filters=filters, reasons=False)
            column.markdown(f"**{plain(scenario)}** ({len(events)} events)")
            column.dataframe(
                pd.DataFrame(
                    {
                        "rank": [r.rank for r in result.items],
                        "item": [r.fields.get("title", r.item_id) for r in result.items],
                    }
                ),
                hide_index=True,
                key=f"scenario_{scenario}",
            )
