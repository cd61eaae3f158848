"""Shopper representations of a trained run and what they are used for.

- `representations`: every shopper's model state (the vector their next item is scored
  from), computed in batches, cached per run, exported as Parquet.
- `neighbours`: exact cosine nearest neighbours (torch), "shoppers like this one".
- `lookalike`: seed lists (pasted, from a file, by purchase, a segment) → the most similar
  shoppers outside the seeds, with the seeds each is closest to.
- `tastes`: each shopper's categories, brands, price band and spend, as the
  knowledge-graph profile reads a history.
- `segments`: k-means segments described in words.
- `segment_files`: the last segmentation of a run on disk, for the Recommend page.
- `shopper_map`: a 2-D map (PCA) of the customer base, sampled for drawing.

Importing this package loads neither torch nor scikit-learn; its modules do.
"""
