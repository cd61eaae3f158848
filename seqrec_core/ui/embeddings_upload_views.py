"""The Data page's "your own item embeddings" block: upload, check against the dataset, list.

An uploaded file is stored in the workspace under a name made from its content
(`text.embedding_uploads`), checked against the dataset's products, and reported like any
upload (matched, unknown ids, products without a vector, or the error with file, line and
column); the Train page offers every stored file under Item text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from seqrec_core.store import DatasetInfo, Workspace
from seqrec_core.text import embedding_uploads
from seqrec_core.text.embedding_uploads import EmbeddingsReport
from seqrec_core.ui.feedback import plain, user_errors
from seqrec_core.ui.loaders import open_workspace


@st.cache_data(max_entries=4, show_spinner="Checking the embeddings file…")
def check_embeddings_upload(
    root: str, file_id: str, display_name: str, dataset: str, events_path: str, _data: bytes
) -> EmbeddingsReport:
    """Save and check one uploaded embeddings file (`file_id` stands for its bytes)."""
    workspace = open_workspace(root)
    items = embedding_uploads.dataset_items(workspace, dataset)
    return embedding_uploads.add_upload(workspace, _data, display_name, items)


def show_own_embeddings(workspace: Workspace, info: DatasetInfo) -> None:
    st.markdown("#### Your own item embeddings")
    st.caption(
        "Already have vectors of your products, from another model say? Upload them as "
        "Parquet or CSV (an item_id column plus a vector column, or numbered columns e0, "
        "e1, …) and choose them on the Train page under Item text."
    )
    upload = st.file_uploader(
        "Item embeddings file", type=["parquet", "csv", "tsv", "gz"], key="embeddings_upload"
    )
    if upload is not None:
        with user_errors():
            report = check_embeddings_upload(
                str(workspace.root),
                upload.file_id,
                upload.name,
                info.name,
                str(info.events_path),
                upload.getvalue(),
            )
            _embeddings_report(report)
    uploads = embedding_uploads.list_uploads(workspace)
    if uploads:
        with st.expander(f"Embeddings files in this workspace ({len(uploads):,})"):
            st.dataframe(
                pd.DataFrame(
                    {
                        "file": [u.name for u in uploads],
                        "products": [u.items for u in uploads],
                        "numbers per product": [u.dim for u in uploads],
                        "uploaded (UTC)": [u.uploaded_at for u in uploads],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def _embeddings_report(report: EmbeddingsReport) -> None:
    cover, upload = report.coverage, report.upload
    total = cover.known + cover.missing
    st.success(
        f"**{plain(upload.name)}**: {cover.known:,} of this dataset's {total:,} products have "
        f"a vector ({upload.dim:,} numbers each). Choose it on the Train page under Item text.",
        icon=":material/check_circle:",
    )
    cols = st.columns(3)
    cols[0].metric("Products matched", f"{cover.known:,}")
    cols[1].metric(
        "Ids not in this dataset",
        f"{cover.unknown:,}",
        help="Rows of the file whose item_id no event of this dataset has; they are not used.",
    )
    cols[2].metric(
        "Products without a vector",
        f"{cover.missing:,}",
        help="Products of this dataset the file has no row for; models know them by id only.",
    )
    if cover.unknown_examples:
        st.caption("Ids not in this dataset, e.g. " + plain(", ".join(cover.unknown_examples)))
    if cover.missing_examples:
        st.caption("Products without a vector, e.g. " + plain(", ".join(cover.missing_examples)))
