"""Recommendations: top-K with business filters and cold start, what-ifs, segments.

- `recommender`: `RunRecommender`, the top-K for a shopper or an edited history, with reasons.
- `reasons`: the past product most responsible for each recommended item ("because …").
- `graph_reasons`: why each recommended item fits the shopper, via the knowledge graph.
- `item_table`: catalog fields aligned with item indices, and the filter masks over them.
- `sentences`: the plain sentences of what a shopper is shown and what an edit changed.
- `whatif`: edits of a shopper's history and the rank diff between two lists.
- `segments`: what a campaign would show a group of shoppers, in aggregate.
- `new_products`: a catalog that arrived after training, scored by a text-aware run.
"""
