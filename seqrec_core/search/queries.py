"""The search query of each held-out event, for search evaluation.

When the event log has a `query` column (the data contract's search events), a held-out
event's query is what the shopper typed for it. Otherwise the query is built from the
held-out item's catalog, as in the personalised product search literature (HEM, Ai et al.
2017): the words of its category path's leaf and parent ("Home > Bedding > Pillows" →
"bedding pillows"), which a category's 10–20 products share. Without a category, its title
words narrowed as far as a category would be: the title's most widely shared word, then the
next most shared ones (at most `TITLE_WORDS`) while at least `TITLE_SHARED` titles still hold
them all ("WHITE HANGING HEART T-LIGHT HOLDER" → "heart holder" where ten products are heart
holders). The full title would find the one product by its name alone, which says nothing
about ranking. An item with neither gets no query, and its example is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from seqrec_core import schema
from seqrec_core.data.sequences import EvalExamples
from seqrec_core.recommend.item_table import ItemTable
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.store import Workspace

TITLE_WORDS = 3  # at most: e-commerce queries are two to three words long on average
TITLE_SHARED = 10  # titles that must hold every query word (the sample's categories: 10-19)
LOGGED, CATEGORY, TITLE = "logged", "category", "title"

Words = Callable[[str], tuple[str, ...]]  # text → its content words (the index's analyser)


def _event_queries(workspace: Workspace, loaded: LoadedRun) -> np.ndarray | None:
    """(E,) the logged query of every event in the order of the run's sequences, or None."""
    info = workspace.get_dataset(loaded.info.dataset)
    if "query" not in pq.read_schema(info.events_path).names:
        return None
    columns = [schema.USER_ID, schema.TIMESTAMP, "query"]
    events = workspace.read_events(loaded.info.dataset, columns=columns)
    data = loaded.prepared.data
    # The order `build_user_sequences` gives: by user, then time, then file order.
    frame = pd.DataFrame(
        {
            "user": data.users.encode(events[schema.USER_ID].astype("string"), what="user"),
            "ts": pd.to_datetime(events[schema.TIMESTAMP], utc=True),
            "row": np.arange(len(events)),
        }
    )
    order = frame.sort_values(["user", "ts", "row"]).index.to_numpy()
    queries = events["query"].astype("string").fillna("").str.strip().to_numpy()[order]
    return queries if (queries != "").any() else None


def held_out_positions(loaded: LoadedRun, examples: EvalExamples) -> np.ndarray:
    """(N,) the position of each held-out event in the run's sequences (all events)."""
    seqs = loaded.prepared.data.sequences
    cold = set(loaded.prepared.cold_items.tolist())
    history = examples.history
    positions = np.empty(len(examples.targets), dtype=np.int64)
    for r, (user, length, target) in enumerate(
        zip(history.users, history.lengths, examples.targets, strict=True)
    ):
        start = int(seqs.offsets[user - 1])
        if not cold:  # the history is every event before the target
            positions[r] = start + int(length)
            continue
        # Held-out (cold) items left the history: find the target after `length` kept events.
        row = seqs.items[start : seqs.offsets[user]]
        kept = np.cumsum([0, *(int(i) not in cold for i in row)])[:-1]
        hits = np.flatnonzero((row == target) & (kept == length))
        positions[r] = start + int(hits[0]) if len(hits) else -1
    return positions


@dataclass(frozen=True)
class TitleWords:
    """Which titles hold each title word (item indices), to build title queries."""

    postings: dict[str, frozenset[int]]

    @classmethod
    def of(cls, table: ItemTable, words: Words) -> TitleWords:
        found: dict[str, set[int]] = defaultdict(set)
        for item, title in enumerate(table.title):
            for word in words(str(title)) if item and title else ():
                found[word].add(item)
        return cls({word: frozenset(items) for word, items in found.items()})

    def query(self, title: str, words: Words) -> str:
        """The title's most shared words while `TITLE_SHARED` titles hold them all."""
        found = tuple(w for w in words(title) if not w.isdigit())  # nobody types "3"
        ranked = sorted(found, key=lambda w: (-len(self.postings.get(w, ())), found.index(w)))
        chosen: list[str] = []
        holders: frozenset[int] | None = None
        for word in ranked[:TITLE_WORDS]:
            narrower = self.postings.get(word, frozenset())
            narrower = narrower if holders is None else holders & narrower
            if chosen and len(narrower) < TITLE_SHARED:
                break
            chosen.append(word)
            holders = narrower
        return " ".join(w for w in found if w in chosen)


def catalog_query(table: ItemTable, item: int, words: Words, titles: TitleWords) -> str:
    """The query built from item index `item`'s category path, else its title ("" if neither)."""
    category = table.category[item]
    if category:
        parts = [p for p in str(category).split(schema.CATEGORY_SEPARATOR.strip()) if p.strip()]
        return " ".join(words(" ".join(parts[-2:])))
    title = table.title[item]
    return titles.query(str(title), words) if title else ""


def example_queries(
    workspace: Workspace, loaded: LoadedRun, table: ItemTable, examples: EvalExamples, words: Words
) -> tuple[list[str], list[str]]:
    """Each example's query and where it came from (`LOGGED`, `CATEGORY`, `TITLE` or "")."""
    logged = _event_queries(workspace, loaded)
    positions = held_out_positions(loaded, examples) if logged is not None else None
    titles = TitleWords.of(table, words)
    queries, sources = [], []
    for r, target in enumerate(examples.targets):
        position = -1 if positions is None else int(positions[r])
        if logged is not None and position >= 0 and logged[position]:
            queries.append(str(logged[position]))
            sources.append(LOGGED)
            continue
        query = catalog_query(table, int(target), words, titles)
        queries.append(query)
        sources.append("" if not query else CATEGORY if table.category[target] else TITLE)
    return queries, sources
