"""The `search` command: what a shopper (or an edited history) sees for a query.

`--history` replaces the stored history with the given one, exactly as `recommend
--history` does (the scripted what-if); an unknown shopper without it gets the list everyone
sees, labelled `"fallback": "not_personalised"`. The answer holds the shopper's list
(`items`), the list everyone sees (`everyone`), `did_you_mean` and plain `notes`.
"""

from __future__ import annotations

import argparse
from typing import Any

from seqrec_core.cli.common import add_common
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register `search` on the CLI's subparsers."""
    cmd = commands.add_parser("search", help="personalised product search for a user")
    add_common(cmd)
    cmd.add_argument("--run", required=True, help="trained run (see `runs`)")
    cmd.add_argument("--user", required=True, help="user id as in the uploaded file")
    cmd.add_argument("--query", required=True, help="what the shopper types")
    cmd.add_argument("--k", type=int, default=10, help="list length (default 10)")
    cmd.add_argument(
        "--personalization",
        type=float,
        default=0.5,
        metavar="W",
        help="weight of the shopper's model score, 0 (same list for everyone) to 1 (default 0.5)",
    )
    cmd.add_argument(
        "--history",
        help="ITEM,ITEM:cart,...: personalise with this history instead of the stored one",
    )
    cmd.add_argument(
        "--exclude-seen",
        action="store_true",
        help="leave out items the user already interacted with (default: keep them)",
    )
    cmd.add_argument("--category", action="append", default=[], help="only these category paths")
    cmd.add_argument("--brand", action="append", default=[], help="only these brands")
    cmd.add_argument("--min-price", type=float)
    cmd.add_argument("--max-price", type=float)
    cmd.set_defaults(handler=_search)


def _search(args: argparse.Namespace) -> dict[str, Any]:
    # torch: the engine and the trained run are imported only when the command runs.
    from seqrec_core.recommend.item_table import Filters
    from seqrec_core.recommend.whatif import parse_history
    from seqrec_core.runs.trained_run import load_run
    from seqrec_core.search.engine import SearchEngine

    workspace = Workspace.open(args.workspace)
    engine = SearchEngine.from_run(workspace, load_run(workspace, args.run))
    filters = Filters(
        exclude_seen=args.exclude_seen,
        include_categories=tuple(args.category),
        include_brands=tuple(args.brand),
        min_price=args.min_price,
        max_price=args.max_price,
    )
    history = parse_history(args.history) if args.history is not None else None
    result = engine.search(
        args.query,
        history,
        personalization=args.personalization,
        k=args.k,
        filters=filters,
        user=args.user,
    )
    stored = engine.recommender.user_history(args.user)
    return {
        **result.to_dict(),
        "run": args.run,
        "known_user": stored is not None,
        "history_source": "argument" if args.history is not None else "stored",
    }
