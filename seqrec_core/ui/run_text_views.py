"""The Train page's run detail: how a run trained, read item text and did on new products.

One line says what training compared each next product with (every product, or a sample,
and why), how many validation shoppers early stopping watched and how fast it trained;
one says where the run's item text came from (the language model, the user's own
embeddings, or why it read item ids only) and how many products were held out of training;
then the test results by how often the next product was seen in training, with the
"never seen" bucket (new products) in words.
"""

from __future__ import annotations

import streamlit as st

from seqrec_core.figures.item_text import NEW_PRODUCTS, seen_count_rows, seen_in_training_figure
from seqrec_core.runs import registry
from seqrec_core.store import Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.ui.feedback import plain

NEURAL = ("sasrec", "bert4rec", "gru4rec")  # the models that can read item text


def item_text_line(workspace: Workspace, info: registry.RunInfo) -> str | None:
    """How a run read item text, in words (None for baselines and unfinished runs)."""
    text = info.result.get("item_text")
    if info.model not in NEURAL or not text:
        return None
    if not text.get("used"):
        return f"Item ids only: {text.get('reason', 'no item text')}."
    items = f"{int(text.get('items_with_text', 0)):,} products"
    choice = info.request.get("item_text", "auto")
    if choice in ("auto", "off"):
        return f"Read item text with {text.get('source')} ({items})."
    upload = embedding_uploads.find_upload(workspace, choice)
    name = upload.name if upload else text.get("source")
    return f"Used your own item embeddings from {name} ({items})."


def training_line(info: registry.RunInfo) -> str | None:
    """How a neural run trained, in words: the loss and why, validation, speed (None: none)."""
    if info.model not in NEURAL:
        return None
    parts = []
    loss = info.result.get("training_loss") or {}
    if loss.get("reason"):
        parts.append(str(loss["reason"]))
    validation = info.result.get("validation") or {}
    shoppers, everyone = int(validation.get("shoppers", 0)), int(validation.get("of", 0))
    if 0 < shoppers < everyone:
        parts.append(
            f"Early stopping watched a fixed random sample of {shoppers:,} of the {everyone:,} "
            "validation shoppers."
        )
    elif everyone:
        parts.append(f"Early stopping watched all {everyone:,} validation shoppers.")
    tested = info.result.get("test_sample") or {}
    if 0 < int(tested.get("shoppers", 0)) < int(tested.get("of", 0)):
        ndcg = (info.result.get("test_metrics") or {}).get("NDCG@10")
        interval = f" (NDCG@10 {ndcg:.4f} ± {tested['NDCG@10 ±']:.4f}, 95%)" if ndcg else ""
        parts.append(
            f"The test ranked a fixed random sample of {int(tested['shoppers']):,} of the "
            f"{int(tested['of']):,} test shoppers{interval}."
        )
    elif tested.get("of"):
        parts.append(f"The test ranked all {int(tested['of']):,} test shoppers.")
    speed = float(info.result.get("examples_per_s") or 0.0)
    if speed > 0:
        parts.append(f"It trained on {speed:,.0f} shoppers' sequences a second.")
    return " ".join(parts) or None


def show_run_item_text(workspace: Workspace, info: registry.RunInfo) -> None:
    """The run's training and item text lines, held-out products, results by popularity."""
    trained = training_line(info)
    if trained:
        st.caption(plain(trained))
    line = item_text_line(workspace, info)
    cold = info.result.get("cold_items") or {}
    if cold.get("items"):
        held = f"{int(cold['items']):,} products ({float(cold['fraction']):.0%})"
        line = f"{line or ''} {held} were held out of training to measure new products.".strip()
    if line:
        st.markdown(plain(line))
    by_count = info.result.get("test_by_target_count") or {}
    if not by_count:
        return
    new = by_count.get("0")
    if new and new.get("HR@10") is not None:
        st.markdown(
            f"On **{NEW_PRODUCTS}** it finds the next product in its top 10 for "
            f"**{new['HR@10']:.0%}** of {int(new.get('examples', 0)):,} test shoppers."
        )
    with st.expander("Test results by how often the next product was seen in training"):
        st.plotly_chart(seen_in_training_figure(by_count), key="run_by_target_count")
        st.dataframe(
            seen_count_rows(by_count).drop(columns=["bucket"]),
            hide_index=True,
            column_config={
                m: st.column_config.NumberColumn(format="%.4f") for m in ("HR@10", "NDCG@10")
            },
        )
