"""Generate the bundled sample shop, byte for byte the same on every run.

    python sample_data/generate.py [--out DIR]

writes into DIR (default: this folder) `events.csv.gz`, `items.csv`, `rules.json` (the
planted rules and every parameter behind them) and `user_truth.csv.gz` (each shopper's
hidden preferred brands and category drift). All randomness comes from one numpy
Generator with a fixed seed (the planted search queries from a second stream of the same
seed, `shop_search.SEARCH_STREAM`); gzip members carry no file name and mtime 0, so the bytes
depend only on the code and the numpy/zlib versions. README.md documents the rules and
`check_rules.py` measures them.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from shop_behaviour import ShopParams, Simulation, simulate
from shop_catalog import FOLLOW_UP_RANKS, TRIGGER_RANKS, Catalog, build_catalog
from shop_search import KINDS, SEARCH_STREAM, SearchParams, plant_searches
from shop_spec import CHAINS

SEED = 20260105
HERE = Path(__file__).resolve().parent
EXAMPLES_PER_LINK = 5  # users listed per chain link in rules.json, for explanation tests


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: generate the sample shop into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    write_shop(args.out)
    print(f"sample shop written to {args.out}", file=sys.stderr)
    return 0


def write_shop(out: Path, params: ShopParams | None = None) -> None:
    """Simulate the shop with the fixed seed and write its four files into `out`."""
    params, search = params or ShopParams(), SearchParams()
    rng = np.random.default_rng(SEED)
    catalog = build_catalog(rng, params.zipf_exponent, params.zipf_offset)
    sim = simulate(rng, catalog, params)
    events = sim.events.sort_values(["user_id", "timestamp"], kind="stable")
    events = plant_searches(
        np.random.default_rng([SEED, SEARCH_STREAM]), events, catalog.items, search
    )
    sim = dataclasses.replace(sim, events=events)
    out.mkdir(parents=True, exist_ok=True)
    _write_gzip(out / "events.csv.gz", _csv_bytes(events))
    columns = ["item_id", "title", "category", "brand", "price"]
    items = catalog.items[columns].assign(price=catalog.items["price"].map("{:.2f}".format))
    (out / "items.csv").write_bytes(_csv_bytes(items))
    _write_gzip(out / "user_truth.csv.gz", _csv_bytes(sim.users))
    rules = _rules(catalog, sim, params, search)
    (out / "rules.json").write_bytes((json.dumps(rules, indent=2) + "\n").encode("utf-8"))


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _write_gzip(path: Path, data: bytes) -> None:
    buffer = io.BytesIO()
    # filename="" and mtime=0 keep the gzip header free of anything run-specific.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    path.write_bytes(buffer.getvalue())


def _chains(catalog: Catalog, sim: Simulation) -> list[dict]:
    """Each chain's items in order, with a few users for whom each link fired."""
    items = catalog.items
    chains = []
    for c, (spec, chain) in enumerate(zip(CHAINS, catalog.chains, strict=True)):
        chains.append(
            {
                "name": spec.name,
                "items": [items.at[i, "item_id"] for i in chain],
                "titles": [items.at[i, "title"] for i in chain],
                "categories": [items.at[i, "category"] for i in chain],
                "brands": [items.at[i, "brand"] for i in chain],
                "example_users": [
                    sim.chain_examples.get((c, link), [])[:EXAMPLES_PER_LINK] for link in (0, 1)
                ],
            }
        )
    return chains


def _searches(events: pd.DataFrame, p: SearchParams) -> dict:
    """The planted search events: their parameters, counts and a few examples."""
    searched = events[events["query"] != ""]
    examples = searched.drop_duplicates("query").head(EXAMPLES_PER_LINK * 2)
    return {
        "p_search": p.p_search,
        "query_kinds": dict(zip(KINDS, p.kind_weights, strict=True)),
        "p_typo": p.p_typo,
        "typo_min_letters": p.typo_min_letters,
        "column": "query",
        "events": len(searched),
        "distinct_queries": int(searched["query"].nunique()),
        "examples": examples[["user_id", "item_id", "query"]].to_dict(orient="records"),
    }


def _rules(catalog: Catalog, sim: Simulation, p: ShopParams, search: SearchParams) -> dict:
    """The machine-readable ground truth of what was planted (documented in README.md)."""
    events = sim.events
    return {
        "generator": "sample_data/generate.py",
        "seed": SEED,
        "period": {"start": p.start, "end": p.end},
        "counts": {
            "users": int(events["user_id"].nunique()),
            "items": len(catalog.items),
            "events": len(events),
            "sessions": int(events["session_id"].nunique()),
            "events_by_type": events["event_type"].value_counts().sort_index().to_dict(),
        },
        "sessions": {
            "gap_minutes": p.session_gap_minutes,
            "max_gap_within_session_seconds": p.max_event_gap_seconds,
        },
        "funnel": {"p_cart": p.p_cart, "p_purchase_given_cart": p.p_purchase_given_cart},
        "popularity": {
            "law": "weight = (rank + zipf_offset) ** -zipf_exponent over a random ranking",
            "zipf_exponent": p.zipf_exponent,
            "zipf_offset": p.zipf_offset,
            "p_revisit": p.p_revisit,
            "trigger_rank_range": list(TRIGGER_RANKS),
            "follow_up_rank_range": list(FOLLOW_UP_RANKS),
        },
        "complementary_chains": {
            "p_follow": p.p_follow,
            "follow_window_events": p.follow_window,
            "trigger_event_types": ["cart", "purchase"],
            "fires_on": "the user's first cart or purchase of the chain item",
            "follow_up_funnel": {
                "p_cart": p.p_follow_cart,
                "p_purchase_given_cart": p.p_follow_purchase_given_cart,
            },
            "mission_sessions": {
                "p_mission": p.p_mission,
                "p_cart": p.p_mission_cart,
                "p_purchase_given_cart": p.p_mission_purchase_given_cart,
            },
            "chains": _chains(catalog, sim),
        },
        "brand_loyalty": {
            "p_preferred_brand": p.p_preferred_brand,
            "truth_file": "user_truth.csv.gz",
            "truth_columns": "one column per top-level category holding the preferred brand",
        },
        "category_drift": {
            "p_main_interest": p.p_main_interest,
            "p_other_phase_interest": p.p_other_phase_interest,
            "p_stay_in_session_category": p.p_stay_in_session_category,
            "drift_window": list(p.drift_window),
            "truth_file": "user_truth.csv.gz",
            "truth_columns": ["early_category", "late_category", "drift_at"],
        },
        "searches": _searches(events, search),
        "params": dataclasses.asdict(p),
    }


if __name__ == "__main__":
    sys.exit(main())
