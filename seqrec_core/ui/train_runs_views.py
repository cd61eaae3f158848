"""The Train page's runs: the verdict, the live panel, the run table and one run's details.

Every refresh reads the dataset's runs and the active runs' progress once (`RunsSnapshot`)
and draws the "Running now" panel, the table and the run details from that one read, so
they never disagree on a run's status or epoch (they did while only the panel refreshed:
the table said "queued" and "No progress yet" for a run the panel showed at epoch 6). The
block is one fragment that refreshes itself every few seconds while a run is active, and
reruns the page once a run finishes so the verdict on top shows the new result. Sentences
come from `seqrec_core.runs.verdict`, numbers from `seqrec_core.report.numbers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from seqrec_core.errors import SeqRecError
from seqrec_core.figures.training import (
    BASELINE_NOTE,
    run_comparison_figure,
    training_curves_figure,
)
from seqrec_core.models.names import MODEL_TITLES, NEURAL_MODELS
from seqrec_core.report.numbers import count, percent, significant
from seqrec_core.runs import cancel, registry, verdict
from seqrec_core.runs.run_table import LiveProgress, live_progress, run_table
from seqrec_core.store import Workspace
from seqrec_core.training.popular_reference import popular_list_metrics
from seqrec_core.ui import model_pickers, run_table_views, run_text_views, state
from seqrec_core.ui.feedback import plain, user_errors

REFRESH_SECONDS = 2.0
_ACTIVE_SEEN = "_train_active_seen"  # run ids seen active by the block (to notice ends)


@dataclass(frozen=True)
class RunsSnapshot:
    """The dataset's runs (newest first) and the active runs' progress, read once."""

    infos: list[registry.RunInfo]
    events: dict[str, list[dict[str, Any]]]  # active run id → its progress events
    live: dict[str, LiveProgress]  # active run id → its progress in words


def read_runs(workspace: Workspace, dataset: str) -> RunsSnapshot:
    """One read of the runs of `dataset` and of the progress files of the active ones."""
    infos = registry.list_runs(workspace, dataset)
    events = {i.run_id: registry.read_progress(i.folder) for i in infos if i.active}
    live = {i.run_id: live_progress(i, events[i.run_id]) for i in infos if i.active}
    return RunsSnapshot(infos, events, live)


@st.cache_data(max_entries=32, show_spinner="Scoring the most-popular list on the same test…")
def _popular_hit_rate(root: str, events_path: str, key: tuple[str, str, float, bool]) -> float:
    """The most-popular list's test HR@10 for runs scored like `key` (`evaluation_key`).

    `events_path` (a replaced dataset has a new one) is only part of the cache key.
    """
    dataset, split, cold_items, exclude_history = key
    metrics = popular_list_metrics(
        Workspace(Path(root)),
        dataset,
        split,
        cold_items=cold_items,
        exclude_history=exclude_history,
    )
    return metrics[verdict.HIT_METRIC]


def reference_for(
    workspace: Workspace, info: registry.RunInfo, infos: list[registry.RunInfo]
) -> verdict.Reference | None:
    """What `info` is compared with: a POP run scored alike, else the list the run recorded
    on its own test shoppers, else (older runs) the list computed here."""
    found = verdict.pop_run_reference(info, infos)
    if found is not None or info.model == "pop":
        return found
    recorded = (info.result.get("popular_test_metrics") or {}).get(verdict.HIT_METRIC)
    if recorded is not None:
        return verdict.Reference(float(recorded))
    try:
        events_path, _ = model_pickers.dataset_files(workspace, info.dataset)
        hit_rate = _popular_hit_rate(str(workspace.root), events_path, verdict.evaluation_key(info))
    except SeqRecError:
        return None  # the dataset went away: the sentence then goes without a comparison
    return verdict.Reference(hit_rate)


def draw_verdict(workspace: Workspace, dataset: str, infos: list[registry.RunInfo]) -> None:
    """The page's opening sentence: what the best of `infos` (the runs of `dataset`, as
    the page read them) achieves."""
    best = verdict.best_finished_run(infos)
    if best is None:
        waiting = "The first result shows here once a run finishes." if infos else ""
        st.markdown(f"**No finished model for {plain(dataset)} yet.** {waiting}".strip())
        return
    sentence = verdict.run_verdict(best, reference_for(workspace, best, infos))
    st.markdown(f"**{sentence}**")
    finished = sum(verdict.hit_rate_on_test(info) is not None for info in infos)
    st.caption(
        f"The best of {count(finished)} finished run{'s' if finished != 1 else ''} by "
        f"validation NDCG@10: {plain(best.run_id)}. Details of every run below."
    )


def _show_active(workspace: Workspace, snapshot: RunsSnapshot, info: registry.RunInfo) -> None:
    live = snapshot.live[info.run_id]
    with st.container(border=True):
        top = st.columns([4, 1])
        top[0].markdown(
            f"**{plain(info.run_id)}** · {info.status} on {plain(info.device or 'starting…')}"
        )
        if top[1].button("Cancel", key=f"cancel_{info.run_id}", icon=":material/stop_circle:"):
            with user_errors():
                cancel.cancel_run(workspace, info.run_id)
                st.toast(f"Cancelling {info.run_id}…")
        st.progress(live.fraction, text=live.text)
        if info.model not in NEURAL_MODELS:
            st.caption(f"{BASELINE_NOTE}; it finishes in seconds.")
            return
        st.plotly_chart(
            training_curves_figure(
                snapshot.events[info.run_id], f"Live: {info.model} on {info.dataset}"
            ),
            key=f"live_{info.run_id}",
        )


def _rerun_when_a_run_ends(snapshot: RunsSnapshot) -> None:
    """Rerun the page once a run seen active has ended (the verdict on top is stale)."""
    active = [info.run_id for info in snapshot.infos if info.active]
    seen = set(st.session_state.get(_ACTIVE_SEEN, []))
    st.session_state[_ACTIVE_SEEN] = active
    if seen - set(active):
        st.rerun(scope="app")


def runs_block(workspace: Workspace, dataset: str) -> None:
    """ "Running now" and "Runs of this dataset", both from one `read_runs`."""
    snapshot = read_runs(workspace, dataset)
    _rerun_when_a_run_ends(snapshot)
    st.subheader("Running now")
    active = [info for info in snapshot.infos if info.active]
    if not active:
        st.caption("No training running for this dataset. Runs keep going if you close the tab.")
    for info in active:
        _show_active(workspace, snapshot, info)
    st.subheader("Runs of this dataset")
    history(workspace, snapshot)


def draw_runs(workspace: Workspace, dataset: str, *, refresh: bool) -> None:
    """`runs_block` as a fragment that refreshes every few seconds while `refresh`."""
    st.fragment(runs_block, run_every=REFRESH_SECONDS if refresh else None)(workspace, dataset)


def _metric_tiles(info: registry.RunInfo, row: Any) -> None:
    """The run's headline numbers as tiles with plain-language help ("—" where none)."""
    help_ = verdict.METRIC_HELP
    cols = st.columns(5)
    cols[0].metric("Status", row["status"])
    cols[1].metric("Test HR@10", percent(row["HR@10"]), help=help_["HR@10"])
    cols[2].metric("Test NDCG@10", significant(row["NDCG@10"]), help=help_["NDCG@10"])
    cols[3].metric(
        "Best valid NDCG@10",
        significant(row["valid NDCG@10"]),
        help=f"{help_['valid NDCG@10']}\n\n{verdict.VALID_VS_TEST_HELP}",
    )
    if info.model in NEURAL_MODELS:
        epochs = f"{count(row['epochs'])} ({count(row['best epoch'])})"
        cols[4].metric("Epochs (best)", epochs, help="Epochs run, and the one kept.")
    else:
        cols[4].metric("Epochs", "none", help=f"{BASELINE_NOTE}, and no epochs.")
    more = st.columns(5)
    more[1].metric("Test MRR", significant(row["MRR"]), help=help_["MRR"])
    more[2].metric("Catalog coverage@10", percent(row["coverage@10"]), help=help_["coverage@10"])
    more[3].metric("Popularity@10", significant(row["popularity@10"]), help=help_["popularity@10"])


def _curves(snapshot: RunsSnapshot, info: registry.RunInfo) -> None:
    """The run's training curves, or why a baseline has none."""
    if info.model not in NEURAL_MODELS:
        title = MODEL_TITLES.get(info.model, info.model)
        st.caption(
            f"{title} is a baseline: it counts what shoppers did in training, in one pass, "
            "so it has no training curve and no epochs."
        )
        return
    events = snapshot.events.get(info.run_id) or registry.read_progress(info.folder)
    st.plotly_chart(
        training_curves_figure(events, f"{info.model} · {info.run_id}"), key="run_curves"
    )


def _run_details(workspace: Workspace, snapshot: RunsSnapshot, table: Any) -> None:
    """The picked run (session, link, else the best finished one, as the other model pages
    and the page's opening sentence, else the newest): verdict, tiles, item text, curves."""
    ids = [info.run_id for info in snapshot.infos]
    best = verdict.best_finished_run(snapshot.infos)
    best_id = best.run_id if best is not None else None
    choice = state.initial_choice(state.RUN, ids, default=best_id)
    if choice is not None:
        st.session_state[state.RUN] = choice
    picked = st.selectbox(
        "Run details",
        ids,
        key=state.RUN,
        format_func=lambda run_id: run_id + (" · best" if run_id == best_id else ""),
    )
    state.mirror_in_url(state.RUN, picked)
    info = next(i for i in snapshot.infos if i.run_id == picked)
    sentence = verdict.run_verdict(info, reference_for(workspace, info, snapshot.infos))
    if sentence:
        st.markdown(sentence)
    _metric_tiles(info, table[table["run"] == picked].iloc[0])
    if info.error:
        st.error(f"{info.status}: {plain(info.error)}", icon=":material/error:")
    run_text_views.show_run_item_text(workspace, info)
    _curves(snapshot, info)
    with st.expander("For data scientists: settings of this run"):
        st.json(info.request)


def history(workspace: Workspace, snapshot: RunsSnapshot) -> None:
    """Every run of the snapshot: comparison chart, table, and the picked run's details."""
    if not snapshot.infos:
        st.info(
            "No runs yet. Start with POP and COOC (seconds), then SASRec.", icon=":material/info:"
        )
        return
    table = run_table(snapshot.infos, snapshot.live)
    finished = table[table["status"] == registry.SUCCEEDED]
    split_note = ", ".join(sorted(set(finished["split"]))) or "—"
    st.plotly_chart(run_comparison_figure(finished), key="run_comparison")
    st.caption(
        f"Test metrics, full ranking over the whole catalog, history items excluded; split: {split_note}."
    )
    run_table_views.show_run_table(table)
    _run_details(workspace, snapshot, table)
