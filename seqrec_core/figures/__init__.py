"""Figures: pure functions, data in, a titled and labelled plotly Figure out.

Shared by the pages and the review report.

- `style`: the shared look and the helpers every figure module uses.
- `dataset_profile`: the Data page's profile figures.
- `training`: live loss and validation curves, runs compared side by side.
- `explanation`: timeline, attribution bars, attention heatmaps, group ablation.
- `faithfulness`: deletion curves, comprehensiveness, agreement, audits.
- `shopper_profile`: a shopper's KG-enriched profile.
- `recommend`: a list's scores, the what-if rank diff, segment items.
- `item_text`: the map of the catalog's item texts; results by how often a product was seen.
- `shoppers`: the customer map, segments side by side, an audience against the shop.
"""
