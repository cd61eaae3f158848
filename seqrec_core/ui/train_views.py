"""The Train page's form: model, settings and budget in, a worker process started.

Training itself runs in a worker process (`seqrec_core.runs.worker`); this module only asks
for a run and starts it. Watching, cancelling and comparing runs is `train_runs_views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from seqrec_core.models import MODEL_HELP, MODELS
from seqrec_core.models.loss_choice import DEFAULT_NEGATIVES, choose_loss
from seqrec_core.runs import worker
from seqrec_core.store import Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.training.config import TrainConfig
from seqrec_core.ui import model_pickers, state
from seqrec_core.ui.feedback import user_errors

_TRANSFORMERS = ("sasrec", "bert4rec")
_NEURAL = ("sasrec", "bert4rec", "gru4rec")
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


_AUTO_LOSS = "auto"
_LOSS_OPTIONS = {
    _AUTO_LOSS: "Choose for me",
    "ce": "Every product",
    "sampled_softmax": f"{DEFAULT_NEGATIVES} random products",
    "mixed_softmax": f"{DEFAULT_NEGATIVES} products, half of them others' picks",
}


def _loss_choice(workspace: Workspace, dataset: str) -> str:
    """The "Compare each next product with" choice: "auto" or one of `loss_choice.LOSSES`."""
    choice = st.radio(
        "Compare each next product with",
        list(_LOSS_OPTIONS),
        horizontal=True,
        format_func=_LOSS_OPTIONS.__getitem__,
        key="train_loss",
        help="Training learns by comparing the product each shopper picked next with others. "
        "Comparing with every product is the most accurate; with a sample of "
        f"{DEFAULT_NEGATIVES} it stays fast on catalogs of hundreds of thousands of products. "
        "The sample is drawn at random, or half of it among the products other shoppers "
        "picked next (bestsellers as often as they sell, corrected for it), which makes "
        "training tell apart products shoppers really weigh against each other.",
    )
    # The sidebar's cached list: this runs on every rerun of the page, the expander closed too.
    products = next(
        (d.items for d in model_pickers.list_datasets(workspace) if d.name == dataset), 0
    )
    settings = {} if choice == _AUTO_LOSS else {"loss": choice}
    st.caption(choose_loss(products, settings).sentence())
    return choice


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
        loss = _AUTO_LOSS
        if model in _NEURAL:
            item_text = _item_text_choice(workspace)
            with st.expander("How training compares products"):
                loss = _loss_choice(workspace, dataset)
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
    if loss != _AUTO_LOSS:
        settings["loss"] = loss
    request = {"split": split, "model_settings": settings, "train_settings": train_settings}
    return TrainChoice(model, {**request, "item_text": item_text, "cold_items": held_out / 100})


def start(workspace: Workspace, dataset: str, choice: TrainChoice) -> None:
    """Launch the worker process and select its run."""
    with user_errors():
        info = worker.launch_run(workspace, dataset, choice.model, **choice.request)
        st.session_state[state.RUN] = info.run_id
        st.toast(f"Started {info.run_id}", icon=":material/rocket_launch:")
