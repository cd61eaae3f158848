"""The knowledge-graph commands of the command line: `profile`.

`profile --dataset NAME --user USER` builds the dataset's knowledge graph and prints the
user's KG-enriched profile (see `seqrec_core.kg.shopper_profile.UserProfile.to_dict`); an unknown
user or dataset is an error (`{"error": ...}`, exit 1).
"""

from __future__ import annotations

import argparse
from typing import Any

from seqrec_core.cli.common import add_common
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
    from seqrec_core.kg.graph import build_graph
    from seqrec_core.kg.shopper_profile import user_profile

    workspace = Workspace.open(args.workspace)
    events = workspace.read_events(args.dataset)  # WorkspaceError for an unknown dataset
    items = workspace.read_items(args.dataset)
    kg = build_graph(events, items)
    answer = {"dataset": args.dataset}
    answer.update(user_profile(kg, args.user, interests=max(0, args.interests)).to_dict())
    return answer
