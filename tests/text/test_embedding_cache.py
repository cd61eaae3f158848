"""Cached item text vectors: a re-run encodes nothing, a changed catalog only what changed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqrec_core.errors import WorkspaceError
from seqrec_core.store import Workspace
from seqrec_core.text import item_vectors
from seqrec_core.text.embedding_cache import cache_file, cached_encode, read_cache
from seqrec_core.text.encoder import SentenceEncoder
from seqrec_core.text.encoder_files import EncoderFiles


class CountingEncoder:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.inner, self.files, self.seen = encoder, encoder.files, 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts, **kwargs):
        self.seen += len(texts)
        return self.inner.encode(texts, **kwargs)


def test_a_cache_hit_does_no_encoding(
    encoder: SentenceEncoder, bundled_files: EncoderFiles, tmp_path: Path
) -> None:
    counting = CountingEncoder(encoder)
    texts = ["red shoe", "blue sock", "red shoe"]
    first = cached_encode(texts, bundled_files, tmp_path, encoder=counting)  # type: ignore[arg-type]
    assert (first.encoded, first.cached, counting.seen) == (2, 0, 2)  # "red shoe" once
    again = cached_encode(texts, bundled_files, tmp_path, encoder=counting)  # type: ignore[arg-type]
    assert (again.encoded, again.cached, counting.seen) == (0, 3, 2)
    np.testing.assert_array_equal(first.vectors, again.vectors)
    changed = cached_encode(["red shoe", "green hat"], bundled_files, tmp_path, encoder=counting)  # type: ignore[arg-type]
    assert (changed.encoded, changed.cached, counting.seen) == (1, 1, 3)


def test_a_damaged_cache_is_set_aside_and_rebuilt(
    bundled_files: EncoderFiles, tmp_path: Path
) -> None:
    path = cache_file(tmp_path, bundled_files)
    path.write_bytes(b"not parquet")
    assert read_cache(path) == {}
    assert not path.exists() and len(list(tmp_path.glob("*.damaged-*"))) == 1


def test_catalog_vectors_follow_the_vocabulary_and_mark_items_without_text(
    encoder: SentenceEncoder, encoder_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    monkeypatch.setattr(item_vectors, "encoder_files", lambda ws, enc=None: encoder.files)
    catalog = pd.DataFrame(
        {"item_id": ["A", "B", "C"], "title": ["Trail Runner", "", "Sport Socks"]}
    )
    vectors = item_vectors.catalog_text_vectors(workspace, catalog, ["C", "A", "B", "Z"])
    assert vectors is not None
    assert vectors.matrix.shape == (5, 384)
    assert vectors.has_text.tolist() == [False, True, True, False, False]
    np.testing.assert_allclose(
        vectors.matrix[1], encoder.encode(["Sport Socks"]).vectors[0], atol=1e-5
    )
    assert not vectors.matrix[3].any() and not vectors.matrix[0].any()
    summary = vectors.summary()
    assert (summary["items_with_text"], summary["items"], summary["dim"]) == (2, 4, 384)


def test_a_catalog_without_text_gives_no_vectors(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    catalog = pd.DataFrame({"item_id": ["A"], "price": [3.0]})
    assert item_vectors.catalog_text_vectors(workspace, catalog, ["A"]) is None
    assert item_vectors.vectors_for_run(workspace, catalog, ["A"], "off") is None


def test_a_saved_template_is_kept_per_dataset(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    assert item_vectors.saved_template(workspace, "shop") is None
    item_vectors.save_template(workspace, "shop", "{title}\nBrand: {brand}")
    assert item_vectors.saved_template(workspace, "shop") == "{title}\nBrand: {brand}"
    with pytest.raises(WorkspaceError):
        item_vectors.save_template(workspace, "../escape", "{title}")
