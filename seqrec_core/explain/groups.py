"""Groups of a shopper's events (a category, a brand) for group ablation, and their table.

`event_groups` finds, in the catalog, which events of the window share a top-level
category, a deeper category path or a brand; `attributions.group_ablation` removes each
group at once; `group_frame` turns its effects into the table an `Explanation` holds.
"""

from __future__ import annotations

import pandas as pd
import torch

from seqrec_core.data.sequences import SequenceData
from seqrec_core.explain.attributions import GroupEffects
from seqrec_core.explain.inputs import History


def event_groups(history: History, catalog: pd.DataFrame | None) -> dict[str, torch.Tensor]:
    """`"category: Electronics"` / `"brand: Lumora"` → (L,) bool events of that group.

    Categories are top-level (`Electronics`) and full paths (`subcategory`) when deeper.
    """
    if catalog is None or catalog.empty or "item_id" not in catalog.columns:
        return {}
    info = catalog.drop_duplicates("item_id")
    rows = info.set_index(info["item_id"].astype(str)).reindex(list(history.item_ids))
    groups: dict[str, torch.Tensor] = {}
    for kind, column in (("category", "category"), ("subcategory", "category"), ("brand", "brand")):
        if column not in rows.columns:
            continue
        values = rows[column].astype("string").str.strip()
        if kind == "category":
            values = values.str.split(">").str[0].str.strip()
        for value in values.dropna().unique():
            if not value or (kind == "subcategory" and ">" not in value):
                continue  # a one-level path is already a category group
            members = (values == value).to_numpy(dtype=bool, na_value=False)
            groups[f"{kind}: {value}"] = torch.tensor(members)
    return groups


def group_frame(effects: GroupEffects, data: SequenceData) -> pd.DataFrame:
    """One row per group: kind, group, events, attribution, rank, top_item (its id)."""
    labels = effects.labels
    return pd.DataFrame(
        {
            "kind": [label.split(": ", 1)[0] for label in labels],
            "group": [label.split(": ", 1)[1] for label in labels],
            "events": effects.events,
            "attribution": effects.attributions,
            "rank": effects.ranks,
            "top_item": data.items.decode(effects.top_items) if labels else [],
        }
    )
