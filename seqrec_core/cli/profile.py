"""The knowledge-graph commands of the command line: `profile`.

`profile --dataset NAME --user USER` prints the user's KG-enriched profile (see
`seqrec_core.kg.shopper_profile.UserProfile.to_dict`) from the knowledge graph around that
user alone (`seqrec_core.kg.local_graph`): their events, read from the dataset with a
filter, and the shop's aggregates, computed once per dataset and kept beside it
(`seqrec_core.kg.shop_aggregates`). Its `searches` lists the user's logged searches
(`seqrec_core.search.logged`; empty when the log has no queries). An unknown user or
dataset is an error
(`{"error": ...}`, exit 1).
"""

from __future__ import annotations

import argparse
from typing import Any

from seqrec_core.cli.common import add_common
from seqrec_core.data.shopper_events import read_shopper_events
from seqrec_core.errors import InputError
from seqrec_core.store import Workspace


def add_commands(commands: Any) -> None:
    """Register the knowledge-graph commands on the CLI's subparsers."""
    profile_cmd = commands.add_parser(
        "profile", help="the KG-enriched profile of one user (affinities, funnel, interests)"
    )
    add_common(profile_cmd)
    profile_cmd.add_argument("--dataset", required=True, help="dataset name (see `datasets`)")
    profile_cmd.add_argument("--user", required=True, help="user id as in the events file")
    profile_cmd.add_argument(
        "--interests", type=int, default=8, help="how many inferred interests (default 8)"
    )
    profile_cmd.set_defaults(handler=_profile)


def _profile(args: argparse.Namespace) -> dict[str, Any]:
    # networkx: the knowledge graph is imported only when the command runs.
    from seqrec_core.kg.local_graph import shopper_graph
    from seqrec_core.kg.shop_aggregates import cached_aggregates
    from seqrec_core.kg.shopper_profile import user_profile
    from seqrec_core.search.logged import logged_searches

    workspace = Workspace.open(args.workspace)
    info = workspace.get_dataset(args.dataset)  # WorkspaceError for an unknown dataset
    events = read_shopper_events(info.events_path, args.user)
    if events.empty:
        examples = ", ".join(workspace.first_shoppers(args.dataset))
        raise InputError(
            f"user {args.user!r} has no events in this dataset",
            hint=f"use a user id as it appears in the events file (e.g. {examples})",
        )
    kg = shopper_graph(cached_aggregates(info.events_path, info.items_path), events)
    answer = {"dataset": args.dataset}
    answer.update(user_profile(kg, args.user, interests=max(0, args.interests)).to_dict())
    answer["searches"] = [search.to_dict() for search in logged_searches(events)]
    return answer
