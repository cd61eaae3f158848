"""Product search: lexical (BM25) + dense retrieval over item text, personalised by a run.

- `lexical`: a BM25 index (`bm25s`) over the item texts of a run, and "did you mean".
- `dense`: the query encoded by the bundled sentence encoder, cosine against item vectors.
- `hybrid`: lexical and dense scores fused into one text relevance per item.
- `personalize`: the blend with the shopper's model scores, the order, moves and reasons.
- `engine`: `SearchEngine.from_run` and `SearchEngine.search` (what the page and CLI call).
- `queries`: the search query of each held-out event (logged, or built from the catalog).
- `evaluation`: NDCG@10, HR@10 and MRR of text, model and blend on a run's split.
- `logged`: a shopper's logged searches (the log's `query` column) and what followed them.

Importing this package loads neither torch nor transformers; its modules do.
"""
