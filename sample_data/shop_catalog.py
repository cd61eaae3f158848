"""Turn the fixed shop design (`shop_spec.py`) into a concrete, seeded item catalog.

Owns item ids, readable titles, brands per leaf, prices within each leaf's range, the
items chosen for every complementary chain, and the background popularity of each item
(a Zipf law over a random ranking, with chain items placed at chosen ranks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from shop_spec import (
    BOOK_ADJECTIVES,
    BOOK_NOUNS,
    BRANDS,
    CHAINS,
    MODEL_LETTERS,
    MODEL_WORDS,
    TAXONOMY,
    ChainSpec,
    Leaf,
)

BRANDS_PER_LEAF = 3
ITEMS_PER_LEAF = (10, 20)  # [low, high) items in each leaf
# Chain triggers rank among the moderately popular items, follow-ups in the middle of the
# long tail: neither is a bestseller, so popularity alone cannot predict them.
TRIGGER_RANKS = (15, 120)
FOLLOW_UP_RANKS = (150, 450)


@dataclass(frozen=True)
class Catalog:
    """Items (row i is item position i, sorted by item_id) with their popularity."""

    items: pd.DataFrame  # item_id, title, category, brand, price, top, leaf
    weights: np.ndarray  # (n_items,) background popularity, sums to 1
    chains: list[list[int]]  # item positions of each chain in CHAINS order


def build_catalog(rng: np.random.Generator, exponent: float, offset: float) -> Catalog:
    """Draw the catalog: ~1,200 items over 82 leaves, chains, Zipf–Mandelbrot popularity."""
    items = _draw_items(rng)
    taken: set[int] = set()
    chains = [_pick_chain(rng, items, spec, taken) for spec in CHAINS]
    weights = _zipf_weights(rng, len(items), chains, exponent, offset)
    return Catalog(items=items, weights=weights, chains=chains)


def _draw_items(rng: np.random.Generator) -> pd.DataFrame:
    used_titles: set[str] = set()
    records = []
    for top, subs in TAXONOMY.items():
        for sub, leaves in subs.items():
            for leaf in leaves:
                brands = rng.choice(BRANDS[top], size=BRANDS_PER_LEAF, replace=False)
                for _ in range(rng.integers(*ITEMS_PER_LEAF)):
                    brand = str(brands[rng.integers(BRANDS_PER_LEAF)])
                    records.append(
                        {
                            "title": _title(rng, top, brand, leaf, used_titles),
                            "category": f"{top} > {sub} > {leaf.name}",
                            "brand": brand,
                            "price": _price(rng, leaf),
                            "top": top,
                        }
                    )
    # Ids in shuffled order, so an id says nothing about the category.
    order = rng.permutation(len(records))
    items = pd.DataFrame([records[i] for i in order])
    items.insert(0, "item_id", [f"P{i + 1:04d}" for i in range(len(items))])
    return items


def _title(rng: np.random.Generator, top: str, brand: str, leaf: Leaf, used: set[str]) -> str:
    for _ in range(1000):
        if top == "Books":
            adjective, noun = rng.choice(BOOK_ADJECTIVES), rng.choice(BOOK_NOUNS)
            title = f"The {adjective} {noun}: A {leaf.noun}"
        else:
            title = f"{brand} {_model_name(rng)} {leaf.noun}"
        if title not in used:
            used.add(title)
            return title
    raise RuntimeError(f"ran out of distinct titles for {leaf.name}")


def _model_name(rng: np.random.Generator) -> str:
    kind = rng.integers(3)
    if kind == 0:
        return (
            f"{rng.choice(list(MODEL_LETTERS))}{100 * rng.integers(1, 10) + 50 * rng.integers(2)}"
        )
    if kind == 1:
        return str(rng.choice(MODEL_WORDS))
    return f"{rng.choice(MODEL_WORDS)} {rng.integers(2, 10)}"


def _price(rng: np.random.Generator, leaf: Leaf) -> float:
    """Log-uniform in the leaf's range with shop-like endings (.99, or .49/.99 when cheap)."""
    raw = math.exp(rng.uniform(math.log(leaf.low), math.log(leaf.high)))
    if raw >= 20:
        return round(max(math.floor(raw), math.ceil(leaf.low)) - 0.01, 2)
    return round(math.floor(raw) + (0.49 if rng.random() < 0.5 else 0.99), 2)


def _pick_chain(
    rng: np.random.Generator, items: pd.DataFrame, spec: ChainSpec, taken: set[int]
) -> list[int]:
    if spec.titles is None:
        chain = []
        for leaf in spec.leaves:
            free = [i for i in np.flatnonzero(items["category"] == leaf) if i not in taken]
            chain.append(int(rng.choice(free)))
            taken.add(chain[-1])
        return chain
    # A series: three titles of one publisher in one leaf, renamed to the series' titles.
    in_leaf = items.index[(items["category"] == spec.leaves[0]) & ~items.index.isin(taken)]
    brand = items.loc[in_leaf, "brand"].value_counts().sort_index().idxmax()
    same = in_leaf[items.loc[in_leaf, "brand"] == brand]
    chain = [int(i) for i in rng.choice(same, size=3, replace=False)]
    for position, title in zip(chain, spec.titles, strict=True):
        items.loc[position, "title"] = title
        taken.add(position)
    return chain


def _zipf_weights(
    rng: np.random.Generator, n_items: int, chains: list[list[int]], exponent: float, offset: float
) -> np.ndarray:
    ranks = rng.permutation(n_items) + 1
    triggers = [chain[0] for chain in chains]
    follow_ups = [item for chain in chains for item in chain[1:]]
    for group, (low, high) in ((triggers, TRIGGER_RANKS), (follow_ups, FOLLOW_UP_RANKS)):
        wanted = rng.choice(np.arange(low, high), size=len(group), replace=False)
        for item, rank in zip(group, wanted, strict=True):
            # Swap ranks with whichever item held the wanted one, keeping a permutation.
            holder = int(np.flatnonzero(ranks == rank)[0])
            ranks[holder], ranks[item] = ranks[item], rank
    weights = (ranks + offset) ** -exponent
    return weights / weights.sum()
