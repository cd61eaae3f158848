"""The handmade shop of the knowledge-graph tests: 9 items (8 in the catalog, one only in
the events), 5 users and 17 events, shared by the graph, shopper-profile and figure tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BASE = pd.Timestamp("2024-05-01 10:00")

CATALOG = pd.DataFrame(
    {
        "item_id": ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"],
        "title": [
            "Chef Knife",
            "Paring Knife",
            "Bread Knife",
            "Espresso Cup",
            "Wave Headphones",
            "Boom Speaker",
            "Night Novel",
            "Mystery Box",
        ],
        "category": [
            "Home > Kitchen > Knives",
            "Home>Kitchen>Knives",  # the same path without spaces
            "Home > Kitchen > Knives",
            "Home > Kitchen > Cups",
            "electronics.audio.headphone",  # a dotted code path
            "electronics.audio.speaker",
            "Books",
            None,
        ],
        "brand": ["Acme", "Acme", "Blade", "Blade", "Sonic", None, " ", None],
        "price": [10.0, 20.0, 30.0, 5.0, 99.0, None, 12.0, None],
        "attributes": [
            "steel;sharp",
            "steel",
            "",
            None,
            "wireless; bluetooth",
            "bluetooth",
            None,
            None,
        ],
    }
)

# (user, item, event type, minutes after BASE); i9 is not in the catalog (price 7 in events).
EVENTS = [
    ("u1", "i1", "view", 0),
    ("u1", "i1", "purchase", 1),
    ("u1", "i2", "view", 2),
    ("u1", "i5", "view", 3),
    ("u2", "i1", "view", 0),
    ("u2", "i2", "cart", 1),
    ("u2", "i3", "view", 2),
    ("u3", "i4", "view", 0),
    ("u3", "i9", "view", 1),
    ("u3", "i4", "purchase", 2),
    ("u4", "i5", "view", 0),
    ("u4", "i6", "view", 1),
    ("u4", "i7", "view", 2),
    ("u5", "i7", "view", 0),
    ("u5", "i8", "view", 1),
    ("u5", "i5", "cart", 2),
    ("u5", "i1", "view", 3),
]


def events_frame(rows=EVENTS) -> pd.DataFrame:
    """The events as a frame with timestamps and an item-level price, in shuffled order."""
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "event_type", "minute"])
    frame["timestamp"] = BASE + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame["price"] = np.where(frame["item_id"] == "i9", 7.0, np.nan)
    return frame.sample(frac=1.0, random_state=3)  # any order goes in
