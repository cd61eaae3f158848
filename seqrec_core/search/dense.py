"""Dense retrieval: the query encoded by the bundled sentence encoder, cosine against item texts.

The item side is the run's own item text vectors when its model reads text encoded by the
bundled encoder (`model.embeddings.text_vectors`, so search and recommendation see the same
vectors); otherwise they are computed from the catalog with the same encoder and template
(`text.item_vectors.catalog_text_vectors`, cached in the workspace, so only the first search
of a run pays for it). The loaded encoder is kept once per process, and the vectors of the
latest queries once per index. `dense_index_for_run` returns None, with the reason in plain
words, when there is no encoder or no item text: search is then lexical only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from seqrec_core.errors import ConfigError
from seqrec_core.recommend.new_products import run_text_settings
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import Workspace
from seqrec_core.text.encoder import Progress, SentenceEncoder, load_encoder
from seqrec_core.text.encoder_files import EncoderFiles, bundled_encoder
from seqrec_core.text.item_vectors import ENCODERS_DIR, catalog_text_vectors

_RECENT_QUERIES = 1024  # query vectors kept per index


@lru_cache(maxsize=4)
def cached_encoder(files: EncoderFiles) -> SentenceEncoder:
    """The loaded encoder of `files`, built once per process (loading takes seconds)."""
    return load_encoder(files, device="auto")


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """(N, D) float32 rows scaled to length 1; all-zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)  # (N, 1)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


@dataclass(frozen=True)
class DenseIndex:
    """Unit item text vectors of a run and the encoder that reads queries into the same space."""

    files: EncoderFiles
    vectors: np.ndarray = field(repr=False)  # (V, D) float32 unit rows; zero: no text
    source: str = ""  # where the item vectors came from, in words

    @property
    def has_text(self) -> np.ndarray:
        """(V,) True for the items that have a text vector."""
        return np.abs(self.vectors).sum(axis=1) > 0

    _recent: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def encode(self, queries: Sequence[str]) -> np.ndarray:
        """(Q, D) unit vectors of the queries (zero for an empty query).

        The latest queries' vectors are kept: moving the weight slider re-runs the same query.
        """
        found = {q: self._recent.get(q) for q in dict.fromkeys(queries)}
        missing = [q for q, vector in found.items() if vector is None]
        if missing:
            vectors = cached_encoder(self.files).encode(missing).vectors
            if len(self._recent) + len(missing) > _RECENT_QUERIES:
                self._recent.clear()
            for query, vector in zip(missing, vectors, strict=True):
                found[query] = self._recent[query] = vector
        return np.stack([found[q] for q in queries]).astype(np.float32, copy=False)

    def similarities(self, query_vectors: np.ndarray) -> np.ndarray:
        """(Q, V) cosine of every query with every item (0 for items without text)."""
        return query_vectors @ self.vectors.T  # (Q, D) @ (D, V)


def _run_vectors(loaded: LoadedRun) -> np.ndarray | None:
    """The (V, D) text vectors the run's model reads, if it read the bundled encoder's."""
    try:
        run_text_settings(loaded)  # raises for id-only runs and for the user's own vectors
    except ConfigError:
        return None
    embeddings = getattr(loaded.model, "embeddings", None)
    vectors = getattr(embeddings, "text_vectors", None)
    return None if vectors is None else vectors.detach().float().cpu().numpy()


def dense_index_for_run(
    workspace: Workspace, loaded: LoadedRun, template: str, progress: Progress | None = None
) -> tuple[DenseIndex | None, str | None]:
    """The run's dense index, or None and why search is lexical only.

    Args:
        template: the item text template, for runs whose model reads no text.
        progress: called with (texts encoded, texts to encode) while item texts are encoded.
    """
    try:
        files = bundled_encoder(workspace.root / ENCODERS_DIR)
    except ConfigError as error:
        return None, f"lexical search only (matching words): the language model is off — {error}"
    vectors = _run_vectors(loaded)
    if vectors is not None:
        return DenseIndex(files, unit_rows(vectors), "the run's item text vectors"), None
    computed = None
    if template.strip():
        try:
            computed = catalog_text_vectors(
                workspace,
                loaded.prepared.catalog,
                loaded.prepared.data.items.tokens,
                template=template,
                progress=progress,
            )
        except ConfigError as error:
            return None, f"lexical search only (matching words): {error}"
    if computed is None:
        return None, (
            "lexical search only (matching words): the catalog has no product text for the "
            "language model to read"
        )
    return DenseIndex(files, unit_rows(computed.matrix), "catalog text vectors"), None
