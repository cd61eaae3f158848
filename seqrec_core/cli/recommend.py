"""The `recommend` command: what a shopper (or an edited history) would be shown.

`--history` replaces the stored history with the given one, the scripted what-if; an
unknown user without it gets the cold-start fallback, labelled in the answer. `--catalog`
adds the products of a newer catalog file to a text-aware run without retraining.
"""

from __future__ import annotations

import argparse
from typing import Any

from seqrec_core.cli.common import add_common
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register `recommend` on the CLI's subparsers."""
    cmd = commands.add_parser("recommend", help="top-K recommendations for a user")
    add_common(cmd)
    cmd.add_argument("--run", required=True, help="trained run (see `runs`)")
    cmd.add_argument("--user", required=True, help="user id as in the uploaded file")
    cmd.add_argument("--k", type=int, default=10, help="list length (default 10)")
    cmd.add_argument(
        "--exclude-seen",
        action="store_true",
        help="leave out items the user already interacted with",
    )
    cmd.add_argument(
        "--exclude-purchased", action="store_true", help="leave out items the user bought"
    )
    cmd.add_argument(
        "--history",
        help="ITEM,ITEM:cart,...: score this history instead of the stored one (what-if)",
    )
    cmd.add_argument("--category", action="append", default=[], help="only these category paths")
    cmd.add_argument("--exclude-category", action="append", default=[])
    cmd.add_argument("--brand", action="append", default=[], help="only these brands")
    cmd.add_argument("--exclude-brand", action="append", default=[])
    cmd.add_argument("--min-price", type=float)
    cmd.add_argument("--max-price", type=float)
    cmd.add_argument(
        "--catalog",
        metavar="PATH",
        help="the shop's current catalog (CSV, Parquet, ...): products the run never saw are "
        "scored from their text and marked new (runs trained with item text only)",
    )
    cmd.set_defaults(handler=_recommend)


def _recommend(args: argparse.Namespace) -> dict[str, Any]:
    # torch: the recommender and the trained run are imported only when the command runs.
    from seqrec_core.recommend.item_table import Filters
    from seqrec_core.recommend.recommender import RunRecommender
    from seqrec_core.recommend.whatif import parse_history
    from seqrec_core.runs.trained_run import load_run

    workspace = Workspace.open(args.workspace)
    loaded = load_run(workspace, args.run)
    added = None
    if args.catalog:
        from pathlib import Path

        from seqrec_core.ingest.catalog_split import read_catalog_file
        from seqrec_core.ingest.readers import read_table
        from seqrec_core.recommend.new_products import add_new_products

        catalog, _ = read_catalog_file(read_table(Path(args.catalog)))
        loaded, added = add_new_products(workspace, loaded, catalog)
    engine = RunRecommender.from_run(loaded)
    filters = Filters(
        exclude_seen=args.exclude_seen,
        exclude_purchased=args.exclude_purchased,
        include_categories=tuple(args.category),
        exclude_categories=tuple(args.exclude_category),
        include_brands=tuple(args.brand),
        exclude_brands=tuple(args.exclude_brand),
        min_price=args.min_price,
        max_price=args.max_price,
    )
    stored = engine.user_history(args.user)
    history = parse_history(args.history) if args.history is not None else (stored or ())
    result = engine.recommend(history, k=args.k, filters=filters, user=args.user)
    answer: dict[str, Any] = {
        "user": args.user,
        "run": args.run,
        "known_user": stored is not None,
        "history_source": "argument" if args.history is not None else "stored",
        "history_length": len(history),
        "items": [item.to_dict() for item in result.items],
    }
    if result.fallback:
        answer["fallback"] = result.fallback
    if added is not None:
        answer["new_products"] = {
            "added": len(added.added),
            "without_text": added.without_text,
            "refreshed": added.refreshed,
        }
    return answer
