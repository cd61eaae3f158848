"""The item text vectors of a dataset, aligned with an item vocabulary, ready for a model.

`catalog_text_vectors` renders each item's text from the catalog (`item_text`), encodes it
with the sentence encoder through the workspace's cache (`embedding_cache`) and lays the
vectors out as rows of the item vocabulary (row 0 is padding); items without text get a
zero row and `has_text` false. `file_text_vectors` does the same from the user's own
embeddings file (`user_embeddings`). Both say where the vectors came from, so a run can
record it and pages can show it. The template a merchandiser edits on the Data page is
saved per dataset (`save_template`), and training reads it from there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from seqrec_core.errors import ConfigError
from seqrec_core.store import Workspace, validate_name
from seqrec_core.text.embedding_cache import cached_encode
from seqrec_core.text.encoder import Progress
from seqrec_core.text.encoder_files import (
    EncoderFiles,
    bundled_encoder,
    folder_encoder,
    sha256_file,
)
from seqrec_core.text.item_text import default_template, render_texts

ENCODERS_DIR = "encoders"  # inside the workspace: the extracted bundled encoder
CACHE_DIR = "text_cache"  # inside the workspace: cached text vectors


@dataclass(frozen=True)
class ItemTextVectors:
    """Text vectors per item of a vocabulary, and where they came from."""

    source: str  # the encoder's name, or the embeddings file's name
    key: str  # the encoder's weights sha256, or the embeddings file's sha256
    matrix: np.ndarray = field(repr=False)  # (num_items + 1, dim) float32; row 0 padding
    has_text: np.ndarray = field(repr=False)  # (num_items + 1,) bool
    template: str = ""  # the item text template ("" for a file)
    encoded: int = 0  # texts encoded now (the rest came from the cache)
    cached: int = 0
    truncated: int = 0  # texts longer than the encoder's window
    cut: int = 0  # texts longer than item_text.MAX_CHARS

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def items_with_text(self) -> int:
        return int(self.has_text[1:].sum())

    def summary(self) -> dict[str, Any]:
        """JSON-ready description for a run's record and the pages."""
        return {
            "source": self.source,
            "key": self.key,
            "dim": self.dim,
            "template": self.template,
            "items_with_text": self.items_with_text,
            "items": int(len(self.has_text) - 1),
            "encoded": self.encoded,
            "cached": self.cached,
            "truncated": self.truncated,
            "cut": self.cut,
        }


def encoder_files(workspace: Workspace, encoder: str | Path | None = None) -> EncoderFiles:
    """The bundled encoder (extracted into the workspace), or a local encoder folder.

    Raises:
        ConfigError: not installed, tampered with, or not an encoder folder.
    """
    if encoder is None:
        return bundled_encoder(workspace.root / ENCODERS_DIR)
    return folder_encoder(encoder)


def _aligned(
    item_ids: Sequence[str], vectors: np.ndarray, items: Sequence[str], present: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `vectors` (one per `item_ids`) laid out as `items` rows 1.., row 0 zeros."""
    position = pd.Index(item_ids).get_indexer(pd.Index(items, dtype="string"))
    found = position >= 0
    matrix = np.zeros((len(items) + 1, vectors.shape[1]), dtype=np.float32)
    matrix[1:][found] = vectors[position[found]]
    has_text = np.zeros(len(items) + 1, dtype=bool)
    has_text[1:][found] = present[position[found]]
    return matrix, has_text


def catalog_text_vectors(
    workspace: Workspace,
    catalog: pd.DataFrame,
    items: Sequence[str],
    *,
    template: str | None = None,
    encoder: str | Path | None = None,
    device: str = "auto",
    progress: Progress | None = None,
) -> ItemTextVectors | None:
    """Encoded item texts of the catalog, as rows of the vocabulary `items`.

    Args:
        workspace: holds the extracted encoder and the cache.
        catalog: one row per item (`item_id` and its fields).
        items: the item vocabulary's tokens (row i + 1 is `items[i]`).
        template: the item text template; default: `item_text.default_template`.
        encoder: a local encoder folder; default: the bundled all-MiniLM-L6-v2.
        device: "auto", "cpu" or "cuda" for encoding.
        progress: called with (texts encoded, texts to encode).

    Returns:
        None when the catalog has no text (no template column has a value).

    Raises:
        ConfigError: a bad template or encoder.
    """
    template = default_template(catalog) if template is None else template
    if not template.strip() or catalog.empty:
        return None
    texts = render_texts(catalog, template)
    if texts.with_text == 0:
        return None
    files = encoder_files(workspace, encoder)
    encoded = cached_encode(
        texts.texts, files, workspace.root / CACHE_DIR, device=device, progress=progress
    )
    present = np.array([bool(text) for text in texts.texts])
    matrix, has_text = _aligned(texts.item_ids, encoded.vectors, items, present)
    return ItemTextVectors(
        source=files.name,
        key=files.weights_sha256,
        matrix=matrix,
        has_text=has_text,
        template=template,
        encoded=encoded.encoded,
        cached=encoded.cached,
        truncated=encoded.truncated,
        cut=texts.cut,
    )


def file_text_vectors(
    path: Path, items: Sequence[str], *, display_name: str | None = None
) -> ItemTextVectors:
    """The user's own item embeddings (Parquet or CSV) as rows of the vocabulary `items`.

    Raises:
        InputError: the file is not a valid embeddings file (names line, column, fix).
    """
    from seqrec_core.text.user_embeddings import aligned_matrix, read_user_embeddings

    embeddings = read_user_embeddings(path, display_name=display_name)
    matrix, has_text = aligned_matrix(embeddings, list(items))
    return ItemTextVectors(
        source=embeddings.source, key=sha256_file(path), matrix=matrix, has_text=has_text
    )


ITEM_TEXT_CHOICES = ("auto", "off")  # or the path of an embeddings file
_EMBEDDING_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".tsv", ".tsv.gz")


def check_item_text(choice: str) -> str:
    """`choice` if it is "auto", "off" or an existing embeddings file, else a ConfigError."""
    if choice in ITEM_TEXT_CHOICES:
        return choice
    path = Path(choice).expanduser()
    if not path.name.lower().endswith(_EMBEDDING_SUFFIXES) or not path.is_file():
        raise ConfigError(
            f"item_text = {choice!r}: write auto (the bundled language model on the catalog's "
            "text), off (item ids only) or the path of an existing item embeddings file "
            "(.parquet or .csv with item_id and a vector or e0..eN columns)"
        )
    return str(path)


def vectors_for_run(
    workspace: Workspace,
    catalog: pd.DataFrame,
    items: Sequence[str],
    choice: str,
    *,
    template: str | None = None,
    device: str = "auto",
    progress: Progress | None = None,
) -> ItemTextVectors | None:
    """The item text vectors a run asked for: "auto", "off" or an embeddings file's path.

    Args:
        template: the item text template ("auto"); default: `item_text.default_template`.

    Returns:
        None for "off", and for "auto" when the catalog has no text.
    """
    choice = check_item_text(choice)
    if choice == "off":
        return None
    if choice == "auto":
        return catalog_text_vectors(
            workspace, catalog, items, template=template, device=device, progress=progress
        )
    return file_text_vectors(Path(choice), items)


TEMPLATES_DIR = "text_templates"  # inside the workspace: one saved template per dataset


def template_path(workspace: Workspace, dataset: str) -> Path:
    """Where the item text template of `dataset` is saved (the name is checked first)."""
    return workspace.root / TEMPLATES_DIR / f"{validate_name(dataset)}.txt"


def saved_template(workspace: Workspace, dataset: str) -> str | None:
    """The template saved for `dataset` on the Data page, if any (training uses it)."""
    path = template_path(workspace, dataset)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def save_template(workspace: Workspace, dataset: str, template: str) -> None:
    """Save `template` for `dataset` (atomically: a temporary file, then rename)."""
    path = template_path(workspace, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(template, encoding="utf-8")
    os.replace(temporary, path)
