"""Blocks of the Train page: the training form, the live progress panel, the run history.

Training itself runs in a worker process (`seqrec_core.runs.worker`); these blocks only start,
watch and cancel it. The live panel is a fragment that refreshes itself every few
seconds while a run is active, and reruns the whole page once a run finishes so the
history table shows the new result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from seqrec_core.figures.training import run_comparison_figure, training_curves_figure
from seqrec_core.models import MODEL_HELP, MODELS
from seqrec_core.runs import cancel, registry, worker
from seqrec_core.runs.run_table import live_progress, run_table
from seqrec_core.store import Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.training.config import TrainConfig
from seqrec_core.ui import run_text_views, state
from seqrec_core.ui.feedback import plain, user_errors

REFRESH_SECONDS = 2.0
_TRANSFORMERS = ("sasrec", "bert4rec")
_NEURAL = ("sasrec", "bert4rec", "gru4rec")
_ACTIVE_SEEN = "_train_active_seen"  # run ids seen active by the live panel (to notice ends)
_OWN = "own"  # the item text choice "your own embeddings" (the request names the file)
_ITEM_TEXT = {
    "auto": (
        "Language model",
        "Recommended when your catalog has titles: products are understood from their "
        "title, category and brand, so new products can be recommended too.",
    ),
    "off": ("Item ids only", "Products are known only by what shoppers did with them."),
    _OWN: ("Your own embeddings", "Vectors of your products that you uploaded on the Data page."),
}


@dataclass
class TrainChoice:
    """What the form asked for: a model and the keyword arguments of `launch_run`."""

    model: str
    request: dict[str, Any] = field(default_factory=dict)


def _default(model: str, name: str) -> Any:
    """The config default of field `name` of `model` (the form starts from it)."""
    return MODELS[model][0].__dataclass_fields__[name].default


def _model_settings(model: str) -> dict[str, Any]:
    """The architecture widgets of `model` (inside the form), starting at its defaults."""
    settings: dict[str, Any] = {}
    if model not in _NEURAL:
        if model == "cooc":
            settings["window"] = st.number_input(
                "Recent events that vote",
                1,
                10,
                _default(model, "window"),
                help="How many of the latest events suggest the next item.",
            )
        return settings
    cols = st.columns(4)
    sizes = [16, 32, 64, 128, 256]
    if model == "gru4rec":
        settings["embedding_size"] = cols[0].select_slider(
            "Embedding size", sizes, _default(model, "embedding_size")
        )
        settings["hidden_size"] = cols[1].select_slider(
            "Recurrent state size", sizes, _default(model, "hidden_size")
        )
    else:
        settings["hidden_size"] = cols[0].select_slider(
            "Embedding size", sizes, _default(model, "hidden_size"), key="train_hidden"
        )
    if model in _TRANSFORMERS:
        settings["num_layers"] = cols[1].number_input("Layers", 1, 6, _default(model, "num_layers"))
        settings["num_heads"] = cols[2].select_slider(
            "Attention heads", [1, 2, 4], _default(model, "num_heads")
        )
    settings["dropout"] = cols[3].slider(
        "Dropout", 0.0, 0.8, float(_default(model, "dropout")), 0.05
    )
    settings["max_len"] = st.select_slider(
        "Events read per shopper",
        [10, 20, 30, 50, 100, 200],
        _default(model, "max_len"),
        help="Only the most recent events are used.",
    )
    side = st.columns(2)
    # On: used where the data has them (several event types, a catalog); off: never.
    if not side[0].checkbox("Use event types (view/cart/purchase) when the log has several", True):
        settings["use_event_types"] = False
    if not side[1].checkbox(
        "Use catalog features (category, brand) when there is a catalog",
        True,
        help="Helps rarely seen items.",
    ):
        settings["use_side_features"] = False
    return settings


def _item_text_choice(workspace: Workspace) -> str:
    """The "Item text" choice: "auto", "off" or the path of an uploaded embeddings file."""
    uploads = {str(u.path): u for u in embedding_uploads.list_uploads(workspace)}
    choice = st.radio(
        "Item text",
        ["auto", "off", *([_OWN] if uploads else [])],
        horizontal=True,
        format_func=lambda option: _ITEM_TEXT[option][0],
        key="train_item_text",
        help="  \n".join(f"**{name}**: {words}" for name, words in _ITEM_TEXT.values()),
    )
    note = "" if uploads else " To use your own item embeddings, upload them on the Data page."
    st.caption(_ITEM_TEXT[choice][1] + note)
    if choice != _OWN:
        return choice
    return st.selectbox(
        "Embeddings file",
        list(uploads),
        format_func=lambda path: (
            f"{uploads[path].name} · {uploads[path].items:,} products · "
            f"{uploads[path].dim:,} numbers each"
        ),
        key="train_embeddings",
    )


def train_form(workspace: Workspace, dataset: str) -> TrainChoice | None:
    """Model choice, settings and budget in one form; returns the choice on submit."""
    model = st.radio(
        "Model",
        list(MODELS),
        horizontal=True,
        format_func=lambda name: name.upper() if name in _NEURAL else name,
        key="train_model",
    )
    st.caption(MODEL_HELP[model])
    # One container whatever the model, so the form below keeps its place in the page when
    # the model changes (a moved form is drawn anew, and its old copy lingers until the
    # rerun ends: a click on it would be lost).
    with st.container():
        if model in _NEURAL:
            item_text = _item_text_choice(workspace)
        else:
            item_text = "off"
            st.caption("Baselines count what shoppers did; they read no item text.")
    with st.form("train_form"):
        settings = _model_settings(model)
        train_settings: dict[str, Any] = {}
        if model in _NEURAL:
            cols = st.columns(4)
            train_settings["epochs"] = cols[0].number_input(
                "Max epochs", 1, 1000, TrainConfig().epochs, key="train_epochs"
            )
            minutes = cols[1].number_input(
                "Time budget (minutes)",
                0.0,
                24 * 60.0,
                10.0,
                help="0: no limit; early stopping still applies.",
            )
            if minutes > 0:
                train_settings["max_minutes"] = float(minutes)
            train_settings["learning_rate"] = cols[2].select_slider(
                "Learning rate", [3e-4, 1e-3, 2e-3, 3e-3, 5e-3], TrainConfig().learning_rate
            )
            decay = st.toggle(
                "Lower the learning rate when validation stalls",
                True,
                help="After 2 epochs without a better validation NDCG@10 the rate is cut to 30%.",
            )
            train_settings["lr_decay_patience"] = 2 if decay else 0
            train_settings["patience"] = cols[3].number_input(
                "Patience (epochs)",
                1,
                100,
                10,
                help="Stop after this many epochs without a better validation NDCG@10.",
            )
        seed = st.number_input("Random seed", 0, 2**31 - 1, 0)
        train_settings["seed"] = int(seed)
        split = st.radio(
            "Evaluation split",
            ["leave_one_out", "temporal"],
            horizontal=True,
            format_func=lambda s: {
                "leave_one_out": "Last event of each shopper",
                "temporal": "One cut-off date",
            }[s],
            help="Leave-one-out holds out each shopper's last event (test) and the one before (validation).",
        )
        with st.expander("Advanced"):
            held_out = st.slider(
                "Hold out new products",
                0,
                30,
                0,
                format="%d%%",
                key="train_cold_items",
                help="Leave this share of the products out of training entirely, to measure "
                "how the model does on products it has never seen bought: the results then "
                "show “new products” separately. 0% trains on every product.",
            )
        submitted = st.form_submit_button(f"Start training on {dataset}", type="primary")
    if not submitted:
        return None
    request = {"split": split, "model_settings": settings, "train_settings": train_settings}
    return TrainChoice(model, {**request, "item_text": item_text, "cold_items": held_out / 100})


def start(workspace: Workspace, dataset: str, choice: TrainChoice) -> None:
    """Launch the worker process and select its run."""
    with user_errors():
        info = worker.launch_run(workspace, dataset, choice.model, **choice.request)
        st.session_state[state.RUN] = info.run_id
        st.toast(f"Started {info.run_id}", icon=":material/rocket_launch:")


def _show_active(workspace: Workspace, info: registry.RunInfo) -> None:
    events = registry.read_progress(info.folder)
    live = live_progress(info, events)
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
        st.plotly_chart(
            training_curves_figure(events, f"Live: {info.model} on {info.dataset}"),
            key=f"live_{info.run_id}",
        )


def live_panel(workspace: Workspace, dataset: str) -> None:
    """Active runs of `dataset` with progress, curves and Cancel (self-refreshing)."""
    active = [info for info in registry.list_runs(workspace, dataset) if info.active]
    seen = set(st.session_state.get(_ACTIVE_SEEN, []))
    if seen - {info.run_id for info in active}:
        st.session_state[_ACTIVE_SEEN] = [info.run_id for info in active]
        st.rerun(scope="app")  # a run just finished: refresh the history below
    st.session_state[_ACTIVE_SEEN] = [info.run_id for info in active]
    if not active:
        st.caption("No training running for this dataset. Runs keep going if you close the tab.")
    for info in active:
        _show_active(workspace, info)


def draw_live_panel(workspace: Workspace, dataset: str, *, refresh: bool) -> None:
    """`live_panel` as a fragment that refreshes every few seconds while `refresh`."""
    st.fragment(live_panel, run_every=REFRESH_SECONDS if refresh else None)(workspace, dataset)


def _run_metrics(row: Any) -> None:
    """The chosen run's headline numbers as metric tiles ("—" where there is none yet)."""

    def shown(value: Any, pattern: str = "{:.4f}") -> str:
        return "—" if value is None or pd.isna(value) else pattern.format(value)

    cols = st.columns(5)
    cols[0].metric("Status", row["status"])
    cols[1].metric("Test HR@10", shown(row["HR@10"]))
    cols[2].metric("Test NDCG@10", shown(row["NDCG@10"]))
    cols[3].metric("Best valid NDCG@10", shown(row["valid NDCG@10"]))
    epochs = shown(row["epochs"], "{:.0f}")
    cols[4].metric("Epochs (best)", f"{epochs} ({shown(row['best epoch'], '{:.0f}')})")


def history(workspace: Workspace, dataset: str) -> None:
    """Every run of `dataset`: comparison chart, table, and the chosen run's curves."""
    infos = registry.list_runs(workspace, dataset)
    if not infos:
        st.info(
            "No runs yet. Start with POP and COOC (seconds), then SASRec.", icon=":material/info:"
        )
        return
    table = run_table(infos)
    finished = table[table["status"] == registry.SUCCEEDED]
    split_note = ", ".join(sorted(set(finished["split"]))) or "—"
    st.plotly_chart(run_comparison_figure(finished), key="run_comparison")
    st.caption(
        f"Test metrics, full ranking over the whole catalog, history items excluded; split: {split_note}."
    )
    st.dataframe(
        table.drop(columns=["label"]),
        hide_index=True,
        column_config={
            m: st.column_config.NumberColumn(format="%.4f")
            for m in ("valid NDCG@10", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "MRR", "coverage@10")
        }
        | {
            "minutes": st.column_config.NumberColumn(format="%.1f"),
            "popularity@10": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    ids = [info.run_id for info in infos]
    choice = state.initial_choice(state.RUN, ids)
    if choice is not None:
        st.session_state[state.RUN] = choice
    picked = st.selectbox("Run details", ids, key=state.RUN)
    state.mirror_in_url(state.RUN, picked)
    info = next(i for i in infos if i.run_id == picked)
    _run_metrics(table[table["run"] == picked].iloc[0])
    if info.error:
        st.error(f"{info.status}: {plain(info.error)}", icon=":material/error:")
    run_text_views.show_run_item_text(workspace, info)
    st.plotly_chart(
        training_curves_figure(
            registry.read_progress(info.folder), f"{info.model} · {info.run_id}"
        ),
        key="run_curves",
    )
    with st.expander("Settings of this run"):
        st.json(info.request)
