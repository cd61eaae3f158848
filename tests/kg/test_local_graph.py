"""One shopper's graph from the shop's aggregates: the same profile as the whole shop's
graph, aggregates kept beside the dataset, orders that do not change between processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from seqrec_core.data.shopper_events import shopper_event_counts
from seqrec_core.ingest.sample import ensure_sample
from seqrec_core.kg.graph import KGConfig, build_graph, prepare_events
from seqrec_core.kg.graph import shop_aggregates as aggregate
from seqrec_core.kg.interests import MAX_ITEMS
from seqrec_core.kg.local_graph import shopper_graph
from seqrec_core.kg.nodes import induced_subgraph, node_kind
from seqrec_core.kg.paths import explain_paths
from seqrec_core.kg.shop_aggregates import FOLDER, cached_aggregates, load_aggregates
from seqrec_core.kg.shopper_profile import user_profile
from seqrec_core.store import Workspace

REPO = Path(__file__).resolve().parents[2]
HEAVY = "HEAVY"  # a shopper with more items than the interests walk starts from


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    workspace = Workspace.open(tmp_path_factory.mktemp("local-graph") / "ws")
    ensure_sample(workspace)
    events = workspace.read_events("sample-shop")
    items = workspace.read_items("sample-shop")
    # HEAVY did what the 40 most active shoppers did: far more than MAX_ITEMS items.
    busiest = events["user_id"].value_counts().index[:40]
    heavy = events[events["user_id"].isin(busiest)].assign(user_id=HEAVY)
    return pd.concat([events, heavy], ignore_index=True), items


def _shoppers(events: pd.DataFrame) -> list[str]:
    users = sorted(events["user_id"].unique())
    return [HEAVY, *users[:: max(1, len(users) // 40)]]


def test_a_shoppers_graph_gives_the_whole_shops_profile(
    shop: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    events, items = shop
    assert events[events["user_id"] == HEAVY]["item_id"].nunique() > 2 * MAX_ITEMS
    whole = build_graph(events, items)
    config = KGConfig()
    aggregates = aggregate(prepare_events(events, config), events, items, config)
    for user in _shoppers(events):
        local = shopper_graph(aggregates, events[events["user_id"] == user])
        assert local.graph.number_of_nodes() < whole.graph.number_of_nodes() / 2
        assert [n for n in local.graph if n.startswith("user:")] == [f"user:{user}"]
        expected = user_profile(whole, user).to_dict()
        assert user_profile(local, user).to_dict() == expected, user
        assert expected["inferred_interests"]


def test_paths_to_listed_items_are_the_whole_graphs(
    shop: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The Recommend page's reasons: a shopper's graph holding the listed items finds the
    same paths, scored by the same degrees of the shop's brands and categories."""
    events, items = shop
    whole = build_graph(events, items)
    config = KGConfig()
    aggregates = aggregate(prepare_events(events, config), events, items, config)
    metadata = [n for n in whole.graph if node_kind(n) not in ("user", "item")]
    assert dict(aggregates.degrees) == {n: whole.graph.degree(n) for n in metadata}
    listed = [*events["item_id"].value_counts().index[:12], *sorted(items["item_id"])[::97]]
    for user in _shoppers(events)[:12]:
        local = shopper_graph(aggregates, events[events["user_id"] == user], also=listed)
        for item in listed:
            assert explain_paths(local, user, item) == explain_paths(whole, user, item)


def test_aggregates_are_kept_beside_the_dataset_and_read_back_unchanged(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    info = ensure_sample(workspace)
    computed = cached_aggregates(info.events_path, info.items_path)
    folder = info.events_path.parent / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == [
        "items.parquet",
        "pairs.parquet",
        "shop.json",
    ]
    loaded = load_aggregates(folder, KGConfig())
    assert loaded is not None
    pd.testing.assert_frame_equal(loaded.items, computed.items)
    pd.testing.assert_frame_equal(loaded.pairs, computed.pairs)
    assert (loaded.shop, loaded.coverage) == (computed.shop, computed.coverage)
    assert load_aggregates(folder, KGConfig(cooc_top_n=3)) is None  # other settings
    meta = json.loads((folder / "shop.json").read_text())
    (folder / "shop.json").write_text(json.dumps({**meta, "version": 0}))
    again = cached_aggregates(info.events_path, info.items_path)  # an older format: redone
    pd.testing.assert_frame_equal(again.items, computed.items)
    assert json.loads((folder / "shop.json").read_text())["version"] == meta["version"]
    assert not list(folder.parent.glob(f"{FOLDER}.tmp-*"))
    counts = workspace.read_events("sample-shop")["user_id"].value_counts()
    assert shopper_event_counts(info.events_path) == {str(u): int(n) for u, n in counts.items()}


def test_an_induced_subgraph_keeps_the_order_it_is_given() -> None:
    graph = nx.Graph()
    graph.add_edges_from([("a", "b", {"w": 1}), ("b", "c", {"w": 2}), ("c", "d", {"w": 3})])
    sub = induced_subgraph(graph, ["c", "a", "b", "c"])
    assert list(sub) == ["c", "a", "b"]
    assert sorted(map(sorted, sub.edges())) == [["a", "b"], ["b", "c"]]
    assert sub.edges["b", "c"] == {"w": 2} and not sub.has_node("d")
    sub.edges["b", "c"]["w"] = 9
    assert graph.edges["b", "c"]["w"] == 2  # a copy: the shop's graph is never written


_PROFILE_IN_A_CHILD = """
import hashlib, json, sys
from seqrec_core.data.shopper_events import shopper_event_counts
from seqrec_core.store import Workspace
from seqrec_core.kg.graph import build_graph
from seqrec_core.kg.ego_graph import ego_network
from seqrec_core.kg.shopper_profile import user_profile
ws = Workspace.open(sys.argv[1])
kg = build_graph(ws.read_events("sample-shop"), ws.read_items("sample-shop"))
users = sorted(kg.user_rows)[::60]
seen = [user_profile(kg, u).to_dict()["inferred_interests"] for u in users]
seen.append(ego_network(kg, users[0]).nodes.round(9).to_dict("records"))
print(hashlib.sha256(json.dumps(seen, default=str).encode()).hexdigest())
"""


def test_interests_and_the_ego_graph_are_the_same_in_every_process(tmp_path: Path) -> None:
    """networkx's `subgraph` iterates a salted set: paths and layouts changed per process."""
    root = tmp_path / "ws"
    ensure_sample(Workspace.open(root))
    digests = {
        subprocess.run(
            [sys.executable, "-c", _PROFILE_IN_A_CHILD, str(root)],
            cwd=REPO,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
