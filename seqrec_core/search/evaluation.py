"""Search evaluation: how well text, the model and their blend find the held-out product.

For each held-out event of the run's split, a query (`queries`: the logged one, or built from
the held-out item's category path or title words, as in HEM) and the held-out item as the one
relevant result. Every catalog item is ranked, exactly as `SearchEngine.search` orders them;
a held-out item the query does not match is never shown, so it counts as ranked last. Three
rankings are scored with NDCG@10, HR@10 and MRR:

- `text`: the hybrid text relevance alone, the list everyone sees (weight 0);
- `model`: the shopper's model scores over the same matching items (weight 1);
- `blend`: (1 − w) · text + w · model at the weight w with the best validation NDCG@10
  among 0, 0.1, …, 1 (chosen on the `valid` split, reported on `test`).

Histories are scored in batches (one forward pass per batch), and `max_examples` evaluates a
seeded sample of each split for speed. Page, CLI (`evaluate --search`) and benchmark share it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from seqrec_core.data.sequences import EvalExamples
from seqrec_core.search.engine import SearchEngine
from seqrec_core.search.personalize import WEIGHTS, blend, lexicographic_ranks
from seqrec_core.search.queries import TITLE_SHARED, TITLE_WORDS, example_queries
from seqrec_core.store import Workspace
from seqrec_core.training.evaluation import metrics_from_ranks

Progress = Callable[[int, int], None]  # (examples done, examples in all)
KINDS = ("text", "model", "blend")
_KS = (10,)


@dataclass(frozen=True)
class SearchEvaluation:
    """Search metrics of a run on its test split, and how they were measured."""

    metrics: dict[str, dict[str, float]]  # "text" / "model" / "blend" → NDCG@10, HR@10, MRR
    weight: float  # the blend's personalisation weight, chosen on validation
    ndcg_by_weight: dict[str, dict[float, float]]  # "valid" / "test" → weight → NDCG@10
    examples: int  # test examples evaluated
    without_query: int  # test examples left out: no query could be built
    query_sources: dict[str, int]  # "logged" / "category" / "title" → test examples
    protocol: str  # the protocol in words, to show beside the numbers

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (weights as strings)."""
        return {
            "metrics": self.metrics,
            "weight": self.weight,
            "ndcg_by_weight": {
                split: {f"{w:.1f}": v for w, v in curve.items()}
                for split, curve in self.ndcg_by_weight.items()
            },
            "examples": self.examples,
            "without_query": self.without_query,
            "query_sources": self.query_sources,
            "protocol": self.protocol,
        }


def _sample(rows: np.ndarray, max_examples: int | None, seed: int) -> np.ndarray:
    if max_examples is None or len(rows) <= max_examples:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size=max_examples, replace=False))


def _batch_ranks(
    engine: SearchEngine, examples: EvalExamples, rows: np.ndarray, queries: list[str]
) -> np.ndarray:
    """(len(WEIGHTS), B) 0-based rank of each row's target at every weight."""
    unique = list(dict.fromkeys(queries))
    relevance = engine.text_relevance(unique)
    at = np.array([unique.index(q) for q in queries])
    text, candidates = relevance.scores[at], relevance.candidates[at]  # (B, V)
    model = engine.recommender.score(examples.history, rows).numpy()  # (B, V)
    targets = examples.targets[rows]
    found = candidates[np.arange(len(rows)), targets]
    popularity = np.broadcast_to(engine.popularity.astype(np.float32), text.shape)
    last = text.shape[1] - 1
    out = np.empty((len(WEIGHTS), len(rows)), dtype=np.int64)
    for w, weight in enumerate(WEIGHTS):
        final, text_scaled, _ = blend(text, model, candidates, weight)
        ranks = lexicographic_ranks([final, text_scaled, popularity], targets)
        out[w] = np.where(found, ranks, last)  # not matched: never shown
    return out


def _split_ranks(
    engine: SearchEngine,
    examples: EvalExamples,
    rows: np.ndarray,
    queries: list[str],
    tick: Callable[[int], None],
    batch_size: int,
) -> np.ndarray:
    """(len(WEIGHTS), len(rows)) target ranks of the sampled rows, batch by batch."""
    parts = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        parts.append(_batch_ranks(engine, examples, batch, [queries[r] for r in batch]))
        tick(len(batch))
    return np.concatenate(parts, axis=1) if parts else np.zeros((len(WEIGHTS), 0), np.int64)


def _protocol(examples: int, weight: float, sources: dict[str, int], fusion: str) -> str:
    made = ", ".join(f"{n:,} {kind}" for kind, n in sources.items()) or "none"
    return (
        f"For each of {examples:,} held-out test events, one search: the query the shopper "
        "logged, or else built from the bought item's category (leaf and parent words) or "
        f"its most widely shared title words, as many (≤ {TITLE_WORDS}) as at least "
        f"{TITLE_SHARED} titles hold together (queries: {made}). The held-out "
        "item is the one right answer; every catalog item is ranked, and an item the query "
        "does not match counts as not found. Text: hybrid word + meaning relevance "
        f"({fusion} fusion), what everyone sees. Model: the shopper's model scores over the "
        f"same matching items. Blend: (1 − w)·text + w·model with w = {weight:.1f}, the best "
        "validation NDCG@10 among 0, 0.1, …, 1. Nothing is excluded (re-buying counts)."
    )


def evaluate_search(
    workspace: Workspace,
    engine: SearchEngine,
    *,
    max_examples: int | None = None,
    seed: int = 0,
    batch_size: int = 256,
    progress: Progress | None = None,
) -> SearchEvaluation:
    """Search metrics of `engine`'s run (see the module docstring).

    Args:
        workspace: the run's workspace (its event log holds any logged queries).
        max_examples: evaluate at most this many examples per split (a seeded sample).
        seed: the sample's seed.
        batch_size: histories scored per forward pass.
        progress: called with (examples done, examples in all).
    """
    loaded, table = engine.recommender.loaded, engine.recommender.table
    splits = {"valid": loaded.prepared.split.valid, "test": loaded.prepared.split.test}
    prepared = {}
    for name, examples in splits.items():
        queries, sources = example_queries(workspace, loaded, table, examples, engine.lexical.words)
        rows = _sample(np.flatnonzero([bool(q) for q in queries]), max_examples, seed)
        prepared[name] = (examples, queries, sources, rows)
    total, done = sum(len(p[3]) for p in prepared.values()), 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    ranks = {
        name: _split_ranks(engine, ex, rows, queries, tick, batch_size)
        for name, (ex, queries, _, rows) in prepared.items()
    }
    curves = {
        name: {
            w: metrics_from_ranks(torch.from_numpy(r[i]), _KS)["NDCG@10"]
            for i, w in enumerate(WEIGHTS)
        }
        for name, r in ranks.items()
    }
    best = max(WEIGHTS, key=lambda w: (curves["valid"][w], -w)) if len(ranks["valid"][0]) else 0.5
    chosen = {"text": 0.0, "model": 1.0, "blend": best}
    metrics = {
        kind: metrics_from_ranks(torch.from_numpy(ranks["test"][WEIGHTS.index(w)]), _KS)
        for kind, w in chosen.items()
    }
    _, queries, sources, rows = prepared["test"]
    used = Counter(sources[r] for r in rows)
    return SearchEvaluation(
        metrics=metrics,
        weight=best,
        ndcg_by_weight=curves,
        examples=len(rows),
        without_query=sum(1 for q in queries if not q),
        query_sources=dict(used),
        protocol=_protocol(len(rows), best, dict(used), engine.fusion),
    )
