"""The Data page's "Item text" section: what the language model reads of each product.

It says in one sentence how many products have a text, shows the editable template and a
preview, reads the catalog with the bundled language model on request (with a progress
bar; vectors are cached in the workspace, and in `st.cache_data` per dataset and
template, so reruns never read again), draws the map of the catalog and the products
most like a chosen one; the template the catalog was read with is saved for training.
Then the block for the shop's own item embeddings (`embeddings_upload_views`). All logic lives in `seqrec_core.text` and `seqrec_core.figures.item_text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from seqrec_core.errors import SeqRecError
from seqrec_core.figures.item_text import item_text_map_figure
from seqrec_core.figures.style import item_labels
from seqrec_core.store import DatasetInfo, Workspace
from seqrec_core.text.item_text import (
    MAX_CHARS,
    ItemTexts,
    default_template,
    render_texts,
    template_columns,
    text_columns,
)
from seqrec_core.text.item_vectors import (
    ItemTextVectors,
    catalog_text_vectors,
    save_template,
    saved_template,
)
from seqrec_core.text.similar_items import nearest
from seqrec_core.ui import embeddings_upload_views
from seqrec_core.ui.feedback import plain, show_error, user_errors
from seqrec_core.ui.loaders import open_workspace

TEMPLATE_KEY = "item_text_template_{}"  # the template text area of a dataset
READ_BUTTON = "Read the catalog with the language model"
_READ = "_item_text_read"  # {dataset + template: what the last read said} (strings only)
_PREVIEW_ROWS = 5
_NEIGHBOURS = 10
_SHOWN_FIELDS = ("item_id", "title", "category", "brand")


@st.cache_data(max_entries=8, show_spinner=False)
def load_catalog(items_path: str | None) -> pd.DataFrame:
    """A dataset's catalog, one row per item (empty with `item_id` when it has none)."""
    if items_path is None:
        return pd.DataFrame({"item_id": pd.Series([], dtype="string")})
    return pd.read_parquet(items_path).drop_duplicates("item_id").reset_index(drop=True)


@st.cache_data(max_entries=4, show_spinner="Loading the products' text vectors…")
def load_text_vectors(root: str, items_path: str, template: str) -> ItemTextVectors | None:
    """The catalog's text vectors by `template` (from the workspace cache once read)."""
    catalog = load_catalog(items_path)
    items = list(catalog["item_id"].astype("string"))
    return catalog_text_vectors(open_workspace(root), catalog, items, template=template)


def _words(names: list[str]) -> str:
    """["title", "category", "brand"] → "title, category and brand"."""
    names = [name.replace("_", " ") for name in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def off_sentence(has_catalog: bool) -> str:
    """Why item text is off for a dataset, and what to add to change that."""
    why = (
        "it has no product catalog"
        if not has_catalog
        else "its catalog has no product titles, categories or brands"
    )
    return (
        f"Item text is off for this dataset: {why}, so models use item ids only and cannot "
        "recommend products no shopper has met yet. To change that, upload a catalog with "
        "the log: one row per product with item_id and a title, ideally also category and "
        "brand."
    )


def show_item_text(workspace: Workspace, info: DatasetInfo) -> None:
    """The whole section for dataset `info`: sentence, template, reading, map, uploads."""
    sentence = st.empty()
    items_path = str(info.items_path) if info.items_path is not None else None
    catalog = load_catalog(items_path)
    columns = text_columns(catalog)
    if catalog.empty or not columns:
        sentence.info(off_sentence(not catalog.empty), icon=":material/info:")
    else:
        template = _template_editor(workspace, info.name, catalog, columns)
        try:
            texts = render_texts(catalog, template)
        except SeqRecError as error:
            sentence.markdown("The template below has a problem: fix it to see the texts.")
            show_error(error)
        else:
            used = _words(template_columns(template))
            sentence.markdown(
                f"**{texts.with_text:,} of {len(texts.texts):,} products have a text the "
                f"language model can read: {plain(used)}.**"
            )
            _coverage(texts)
            _preview(catalog, texts)
            _read_and_explore(workspace, info.name, items_path or "", catalog, template)
    embeddings_upload_views.show_own_embeddings(workspace, info)


def _template_editor(
    workspace: Workspace, dataset: str, catalog: pd.DataFrame, columns: list[str]
) -> str:
    suggested = default_template(catalog)
    in_use = saved_template(workspace, dataset) or suggested  # what training reads
    key = TEMPLATE_KEY.format(dataset)
    st.session_state.setdefault(key, in_use)
    every = ", ".join(f"`{c}`" for c in catalog.columns)
    template = st.text_area(
        "What the language model reads of each product",
        key=key,
        height=110,
        help=(
            "One line per part of the text. Write a catalog column in braces, e.g. "
            "`{title}`; a line whose columns are all empty for a product is left out. "
            f"Columns with text here: {', '.join(f'`{c}`' for c in columns)}. All catalog "
            f"columns: {every}. A literal brace is written twice."
        ),
    )
    if template != suggested:
        st.button(
            "Back to the suggested template",
            on_click=st.session_state.__setitem__,
            args=(key, suggested),
            key=f"item_text_reset_{dataset}",
        )
    if template != in_use:
        st.caption(
            "Training reads the template the catalog was last read with: read the catalog "
            "with this one to make training use it."
        )
    return template


def _coverage(texts: ItemTexts) -> None:
    cols = st.columns(3)
    cols[0].metric("Products with text", f"{texts.with_text:,}")
    cols[1].metric(
        "Empty texts",
        f"{texts.empty:,}",
        help="Products whose template columns are all empty: models know them by id only.",
    )
    cols[2].metric(
        "Cut texts",
        f"{texts.cut:,}",
        help=f"Texts longer than {MAX_CHARS:,} characters are cut there; the language "
        "model reads about the first 200 words of a text anyway.",
    )


def _preview(catalog: pd.DataFrame, texts: ItemTexts) -> None:
    frame = pd.DataFrame({"item_id": texts.item_ids, "text the language model reads": texts.texts})
    if "title" in catalog:
        frame.insert(1, "title", catalog["title"].to_numpy())
    frame = frame[frame["text the language model reads"] != ""].head(_PREVIEW_ROWS)
    st.dataframe(frame, hide_index=True, width="stretch")


def _read_and_explore(
    workspace: Workspace, dataset: str, items_path: str, catalog: pd.DataFrame, template: str
) -> None:
    done = st.session_state.setdefault(_READ, {})
    read_key = f"{dataset}\n{template}"
    clicked = st.button(
        READ_BUTTON,
        type="primary",
        icon=":material/auto_stories:",
        key="item_text_read",
        help="The bundled language model (all-MiniLM-L6-v2) turns each product's text into "
        "numbers that capture its meaning. Texts read once are kept in this workspace.",
    )
    if clicked and (said := _read(workspace, catalog, template)) is not None:
        done[read_key] = said
        save_template(workspace, dataset, template)  # training reads this one from now on
    if read_key not in done:
        return
    st.success(done[read_key], icon=":material/check_circle:")
    vectors = None
    with user_errors():
        vectors = load_text_vectors(str(workspace.root), items_path, template)
    if vectors is None:
        return
    st.plotly_chart(
        item_text_map_figure(catalog, vectors.matrix[1:]), key="item_text_map", width="stretch"
    )
    _similar_products(dataset, catalog, vectors)
    with st.expander("For data scientists"):
        st.markdown(
            f"Embeddings by **{plain(vectors.source)}**, {vectors.dim:,} dimensions, unit "
            f"length; {vectors.truncated:,} texts were longer than its window and read in "
            "part. The map is the first two principal components (SVD) of the embeddings; "
            "how alike two products are is the cosine of their embeddings. Vectors are "
            f"cached in `{plain(workspace.root / 'text_cache')}` by encoder weights and text."
        )


def _read(workspace: Workspace, catalog: pd.DataFrame, template: str) -> str | None:
    """Read the catalog with the encoder (progress bar); what to tell the user after.

    None when it failed (the error is shown).
    """
    bar = st.progress(0.0, text="Loading the language model…")

    def progress(done: int, total: int) -> None:
        bar.progress(
            done / total if total else 1.0, text=f"Reading product texts: {done:,} / {total:,}"
        )

    items = list(catalog["item_id"].astype("string"))
    try:
        vectors = catalog_text_vectors(
            workspace, catalog, items, template=template, progress=progress
        )
    except SeqRecError as error:
        bar.empty()
        show_error(error)
        return None
    if vectors is None:
        return "No product has a text with this template: nothing to read."
    if vectors.encoded == 0:
        return (
            f"The vectors came from the cache: all {vectors.items_with_text:,} products were "
            "read before with this template, so nothing was read again."
        )
    cached = f"; {vectors.cached:,} came from the cache" if vectors.cached else ""
    return f"Read {vectors.encoded:,} product texts with {vectors.source}{cached}."


def _similar_products(dataset: str, catalog: pd.DataFrame, vectors: ItemTextVectors) -> None:
    st.markdown("#### Products most like this one")
    ids = catalog["item_id"].astype(str).tolist()
    titles = catalog.get("title")
    labels = dict(zip(ids, item_labels(catalog["item_id"], titles), strict=True))
    options = [ids[row] for row in np.flatnonzero(vectors.has_text[1:])]
    picked = st.selectbox(
        "Product",
        options,
        format_func=labels.__getitem__,
        key=f"item_text_similar_{dataset}",
        help="Type to search by title.",
    )
    if picked is None:
        return
    rows, scores = nearest(vectors.matrix, ids.index(picked) + 1, _NEIGHBOURS, vectors.has_text)
    st.caption(
        f"The {len(rows):,} products whose text means most nearly the same as "
        f"“{plain(labels[picked])}”: a quick check that the language model groups products "
        "the way shoppers would."
    )
    fields = [c for c in _SHOWN_FIELDS if c in catalog]
    table = catalog.iloc[rows - 1][fields].reset_index(drop=True)
    table["how alike"] = scores
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "how alike": st.column_config.ProgressColumn(
                min_value=0.0, max_value=1.0, format="%.2f", help="1 = the same meaning"
            )
        },
    )
