"""Shopper representations of a trained run and what they are used for.

- `representations`: every shopper's vector, two kinds (the mean item vector of the whole
  history; the model state their next item is scored from), computed in batches, cached
  per run, exported as Parquet.
- `neighbours`: cosine nearest neighbours, "shoppers like this one" (exact with torch, or
  the approximate index for very large shops).
- `shopper_index`: the faiss IVF index used above `EXACT_LIMIT` shoppers.
- `lookalike`: seed lists (pasted, from a file, by purchase, a segment) → the shoppers most
  like them outside the seeds (a classifier by default), with the seeds each is closest to.
- `tastes`: each shopper's categories, brands, price band and spend, as the
  knowledge-graph profile reads a history.
- `segments`: k-means segments described in words.
- `segment_files`: the last segmentation of a run on disk, for the Recommend page.
- `shopper_map`: a 2-D map (PCA) of the customer base, sampled for drawing.

Importing this package loads neither torch, scikit-learn nor faiss; its modules do.
"""
