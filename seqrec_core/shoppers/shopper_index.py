"""An approximate neighbour index for shops too large for exact search (faiss IVF).

Exact cosine search (`neighbours.top_k_cosine`) reads every shopper's vector per query:
fine up to `EXACT_LIMIT` shoppers, slower above. There, "shoppers like this one" asks a
faiss inverted-file index (`IndexIVFFlat` over the unit vectors, inner product):
`4·√N` lists trained by k-means on a seeded sample, `NPROBE` of them read per query.
`benchmarks/shopper_index.py` chose it and its settings against faiss's HNSW, usearch's
HNSW and exact search by size (build seconds, query milliseconds, recall@10; README).
The index is built once per set of vectors, in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXACT_LIMIT = 3_000_000  # shoppers; above, `similar_shoppers` uses the index
NPROBE = 32  # lists read per query
_TRAIN_PER_LIST = 40  # k-means sample: this many vectors per list
_SEED = 0


@dataclass(frozen=True)
class ShopperIndex:
    """A faiss IVF index over (N, D) unit vectors; rows are the vectors' rows."""

    index: object  # faiss.IndexIVFFlat
    lists: int

    def search(
        self, queries: np.ndarray, k: int, skip: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best rows (cosine, best first) of each query row, rows in `skip` left out.

        Args:
            queries: (Q, D) float32 unit vectors.
            k: neighbours per query.
            skip: (Q,) one row per query never returned (the shopper themself), or -1.

        Returns:
            (Q, k') similarities and (Q, k') rows; k' ≤ k when the lists read hold fewer.
        """
        scores, rows = self.index.search(np.ascontiguousarray(queries, np.float32), k + 1)
        keep = (rows >= 0) & (rows != skip[:, None])
        width = min(k, int(keep.sum(axis=1).min(initial=k)))
        out_s = np.stack([s[m][:width] for s, m in zip(scores, keep, strict=True)])
        out_r = np.stack([r[m][:width] for r, m in zip(rows, keep, strict=True)])
        return out_s, out_r


def build_index(unit: np.ndarray, *, nprobe: int = NPROBE) -> ShopperIndex:
    """Train and fill the IVF index over (N, D) float32 unit vectors (seeded, repeatable)."""
    import faiss  # the native library: only where an index is built

    count, dim = unit.shape
    lists = max(1, min(int(4 * np.sqrt(count)), count // _TRAIN_PER_LIST or 1))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = _SEED
    size = min(count, _TRAIN_PER_LIST * lists)
    sample = np.sort(np.random.default_rng(_SEED).choice(count, size, replace=False))
    data = np.ascontiguousarray(unit, np.float32)
    index.train(data[sample])
    index.add(data)
    index.nprobe = min(nprobe, lists)
    return ShopperIndex(index, lists)
