"""The knowledge graph (networkx) and what it tells about a shopper.

- `graph`: the graph of a dataset: shoppers, items and their metadata.
- `nodes`: the graph's typed node ids and edge kinds.
- `shop_aggregates`: the graph's shop-wide parts, computed once and kept beside a dataset.
- `shop_scan`: those parts from a dataset's file in DuckDB passes (bounded memory).
- `local_graph`: one shopper's graph from those aggregates (no whole-shop graph).
- `item_metadata`: category hierarchies, price bands and attributes as graph nodes.
- `cooccurrence`: item-to-item "went on to B after A" edges.
- `shopper_profile`: the KG-enriched profile of one shopper.
- `profile_sentence`: what a profile found, in one sentence (the Profile page's first line).
- `interests`: interests inferred through the graph (personalized PageRank).
- `paths`: explanation paths from a shopper to an item.
- `ego_graph`: a shopper's neighbourhood as a small drawable network.
"""
