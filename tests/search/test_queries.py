"""The query of each held-out event: logged, else built from the category path or the title."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seqrec_core.cli.main import main
from seqrec_core.ingest.pipeline import ingest
from seqrec_core.recommend.recommender import RunRecommender
from seqrec_core.runs.trained_run import load_run
from seqrec_core.search.lexical import content_words
from seqrec_core.search.queries import (
    CATEGORY,
    LOGGED,
    TITLE,
    TitleWords,
    catalog_query,
    example_queries,
    held_out_positions,
)
from seqrec_core.store import Workspace

# 11 shoppers walk 5 steps over 13 items; the last step of shopper u is logged with a query
# for even u (and at random other steps, to be ignored), none for odd u.
USERS, STEPS, ITEMS = 11, 5, 13


def _events() -> pd.DataFrame:
    rows = []
    for u in range(USERS):
        for s in range(STEPS):
            item = f"p{(u + 2 * s) % ITEMS + 1:02d}"
            query = f"query of u{u} step {s}" if (s == STEPS - 1 and u % 2 == 0) or s == 1 else ""
            rows.append((f"u{u:02d}", item, f"2026-01-0{s + 1}T08:00:00Z", "view", query))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event_type", "query"])


def _catalog() -> pd.DataFrame:
    titles = [
        f"Red Wool Sock {k}" if k % 2 else f"Blue Cotton Shirt {k}" for k in range(1, ITEMS + 1)
    ]
    return pd.DataFrame(
        {
            "item_id": [f"p{k:02d}" for k in range(1, ITEMS + 1)],
            "title": titles,
            # Items 1-6 have a category path; the others only a title.
            "category": [f"Clothing > Socks & Tights > Wool {k}" if k <= 6 else None for k in range(1, ITEMS + 1)],
        }
    )  # fmt: skip


def _train(ws: Workspace, *flags: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["train", "--workspace", str(ws.root), "--dataset", "logged",
                     "--model", "cooc", "--json", *flags])  # fmt: skip
    assert code == 0, out.getvalue()
    return json.loads(out.getvalue())["run"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder: Path = tmp_path_factory.mktemp("queries")
    _events().to_csv(folder / "events.csv", index=False)
    _catalog().to_csv(folder / "items.csv", index=False)
    ws = Workspace.open(folder / "ws")
    ingest(folder / "events.csv", ws, "logged", items_path=folder / "items.csv")
    return ws


def _queries(ws: Workspace, run: str, split: str = "test") -> tuple[list[str], list[str], object]:
    loaded = load_run(ws, run)
    table = RunRecommender.from_run(loaded).table
    examples = getattr(loaded.prepared.split, split)
    words = content_words
    queries, sources = example_queries(ws, loaded, table, examples, words)
    return queries, sources, loaded


def test_logged_queries_come_first_then_the_catalog(shop: Workspace) -> None:
    queries, sources, loaded = _queries(shop, _train(shop))
    test = loaded.prepared.split.test  # type: ignore[attr-defined]
    users = loaded.prepared.data.users.tokens  # type: ignore[attr-defined]
    for r, (query, source) in enumerate(zip(queries, sources, strict=True)):
        u = int(users[int(test.history.users[r]) - 1][1:])
        if u % 2 == 0:
            assert (query, source) == (f"query of u{u} step {STEPS - 1}", LOGGED)
        else:  # the held-out item's category (parent + leaf words), else its title words
            assert source in (CATEGORY, TITLE) and query and "step" not in query


def test_validation_events_get_their_own_logged_query(shop: Workspace) -> None:
    _, sources, _ = _queries(shop, _train(shop), "valid")
    assert set(sources) == {CATEGORY, TITLE}  # step 3 (validation) never has a query


def test_positions_survive_held_out_cold_items(shop: Workspace) -> None:
    plain = load_run(shop, _train(shop))
    cold = load_run(shop, _train(shop, "--cold-items", "0.3"))
    assert len(cold.prepared.cold_items)
    for loaded in (plain, cold):
        test = loaded.prepared.split.test
        positions = held_out_positions(loaded, test)
        seqs = loaded.prepared.data.sequences
        assert (positions >= 0).all()
        np.testing.assert_array_equal(seqs.items[positions], test.targets)
        ends = seqs.offsets[test.history.users]  # one past each shopper's last event
        np.testing.assert_array_equal(positions, ends - 1)  # leave-one-out: the last event


def test_category_queries_are_the_leaf_and_parent_words(shop: Workspace) -> None:
    loaded = load_run(shop, _train(shop))
    table = RunRecommender.from_run(loaded).table
    words = content_words
    item = loaded.prepared.data.items.index("p03")
    assert catalog_query(table, item, words, TitleWords.of(table, words)) == "socks tights wool 3"


def test_title_queries_keep_the_shared_words_while_ten_titles_hold_them() -> None:
    words = content_words
    titles = TitleWords(
        {
            "heart": frozenset(range(1, 40)),
            "holder": frozenset(range(20, 60)),  # 20 titles hold both heart and holder
            "white": frozenset(range(30, 45)),  # ... 10 hold all three
            "hanging": frozenset(range(1, 12)),
        }
    )
    assert titles.query("WHITE HANGING HEART T-LIGHT HOLDER", words) == "white heart holder"
    titles = TitleWords({"heart": frozenset(range(1, 40)), "holder": frozenset(range(38, 45))})
    assert titles.query("Heart Holder", words) == "heart"  # 2 titles hold both: too narrow
    assert titles.query("Set of 3 Heart Holders", words) == "heart"  # never a digit
