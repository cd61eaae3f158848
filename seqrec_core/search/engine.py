"""Personalised product search over a trained run: `SearchEngine.from_run`, then `search`.

`from_run` builds the run's indexes once (BM25 over the item texts, the dense item vectors,
the recommender's aligned catalog); the page keeps the engine in `st.cache_resource`.
`search` answers one query for one shopper: the items that match (hybrid text relevance,
`hybrid`), blended with the shopper's model scores (`personalize`), under the business filters
of Recommend (by default nothing is excluded: shoppers search for things they bought before),
side by side with the list everyone sees (the same query at weight 0), each hit with its move
and reason. Bad queries (empty, only stop words, very long, any script, SQL or HTML) are
answered with an empty or best-effort list and a plain note, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from seqrec_core.checks import check_range
from seqrec_core.recommend.item_table import Filters
from seqrec_core.recommend.recommender import Event, RunRecommender
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.search import personalize
from seqrec_core.search.dense import DenseIndex, dense_index_for_run
from seqrec_core.search.hybrid import FUSION, TextRelevance, fuse
from seqrec_core.search.lexical import LexicalIndex, LexicalMatch, run_item_texts, run_template
from seqrec_core.store import Workspace
from seqrec_core.text.encoder import Progress

FALLBACK_NOT_PERSONALISED = "not_personalised"
MAX_QUERY_CHARS = 200  # longer queries are cut (at a word boundary): nobody types more
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class SearchHit:
    """One item of a result list."""

    rank: int  # 1-based
    item_id: str
    score: float  # (1 − w) · text_score + w · model_score
    text_score: float  # text relevance, scaled to [0, 1] over the matching items
    model_score: float | None  # the shopper's model score, scaled alike; None: no history
    fields: dict[str, object] = field(default_factory=dict)  # title, category, brand, price
    move: int = 0  # places up (+) or down (−) against the list everyone sees
    reason: str = ""
    new: bool = False  # never seen in training: scored from its text alone (text models)
    everyone_rank: int | None = None  # its place in the list everyone sees (all matches)

    def to_dict(self) -> dict[str, object]:
        """`{item_id, rank, score, text_score, model_score}` + catalog fields, move, reason, new."""
        return {
            "item_id": self.item_id,
            "rank": self.rank,
            "score": self.score,
            "text_score": self.text_score,
            "model_score": self.model_score,
            **self.fields,
            "move": self.move,
            "reason": self.reason,
            "new": self.new,
            "everyone_rank": self.everyone_rank,
        }


@dataclass(frozen=True)
class SearchResult:
    """What one shopper sees for one query, and what everyone sees."""

    query: str
    user: str | None
    personalization: float
    items: tuple[SearchHit, ...]
    everyone: tuple[SearchHit, ...]  # the same query at personalisation 0
    did_you_mean: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fallback: str | None = None  # "not_personalised": no history to personalise with
    matches: int = 0  # items that match the query (before the list is cut to k)

    def to_dict(self) -> dict[str, object]:
        """The CLI's JSON answer."""
        return {
            "query": self.query,
            "user": self.user,
            "personalization": self.personalization,
            "items": [hit.to_dict() for hit in self.items],
            "everyone": [hit.to_dict() for hit in self.everyone],
            "did_you_mean": list(self.did_you_mean),
            "notes": list(self.notes),
            "fallback": self.fallback,
            "matches": self.matches,
        }


def clean_query(query: str) -> tuple[str, tuple[str, ...]]:
    """The query without control characters, cut to MAX_QUERY_CHARS; and a note if cut."""
    text = " ".join(_CONTROL.sub(" ", query or "").split())
    if len(text) <= MAX_QUERY_CHARS:
        return text, ()
    cut = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]
    return cut, (f"the query was cut to its first {len(cut)} characters (of {len(text):,})",)


def _quoted(query: str, limit: int = 60) -> str:
    return f"“{query if len(query) <= limit else query[: limit - 1] + '…'}”"


@dataclass(frozen=True)
class SearchEngine:
    """A run's search indexes and recommender (build once with `from_run`, read-only after)."""

    recommender: RunRecommender
    lexical: LexicalIndex
    dense: DenseIndex | None
    notes: tuple[str, ...] = ()  # standing notes, e.g. why search is lexical only
    fusion: str = FUSION

    @classmethod
    def from_run(
        cls, workspace: Workspace, loaded: LoadedRun, progress: Progress | None = None
    ) -> SearchEngine:
        """Build the run's indexes (the item texts are encoded once, then cached on disk).

        Args:
            progress: called with (texts encoded, texts to encode) when item texts are
                encoded for a run whose model reads none.
        """
        lexical = LexicalIndex(run_item_texts(workspace, loaded))
        dense, why = dense_index_for_run(
            workspace, loaded, run_template(workspace, loaded), progress
        )
        return cls(RunRecommender.from_run(loaded), lexical, dense, (why,) if why else ())

    @property
    def popularity(self) -> np.ndarray:
        """(V,) training events per item (the last tie-break before the item index)."""
        return self.recommender.table.popularity

    def text_relevance(
        self, queries: Sequence[str], matches: Sequence[LexicalMatch] | None = None
    ) -> TextRelevance:
        """Hybrid text relevance of every item for each query (see `hybrid`).

        Args:
            matches: the queries' lexical matches when the caller has them already.
        """
        matches = matches if matches is not None else [self.lexical.match(q) for q in queries]
        lexical = np.stack([m.scores for m in matches])  # (Q, V)
        dense = None
        if self.dense is not None:
            wanted = [bool(self.lexical.words(q)) for q in queries]  # stop words only: no meaning
            dense = self.dense.similarities(self.dense.encode(queries))  # (Q, V)
            dense[~np.asarray(wanted)] = 0.0
        return fuse(lexical, dense, method=self.fusion)

    def search(
        self,
        query: str,
        history: Sequence[Event] | None,
        *,
        personalization: float = 0.5,
        k: int = 10,
        filters: Filters | None = None,
        user: str | None = None,
        reasons: bool = True,
    ) -> SearchResult:
        """The top-`k` matches of `query` for a shopper, and the list everyone sees.

        Args:
            query: what the shopper typed (any text; see the module docstring).
            history: the events to personalise with (oldest first), e.g. an edited history;
                None: the stored history of `user` (none for an unknown shopper).
            personalization: the weight w in [0, 1] of the model in the final score.
            k: list length.
            filters: business rules (default: none, items already seen stay in).
            user: the shopper's id.
            reasons: name the past event behind each move (one more batched forward pass
                over the leave-one-out histories); False: the move alone ("up 7 places").

        Raises:
            ConfigError: `personalization` outside [0, 1].
            InputError: an item or event type of `history` the model does not know.
        """
        filters = filters or Filters(exclude_seen=False)
        if history is None:
            history = (self.recommender.user_history(user) if user else None) or ()
        history = tuple(history)
        check_range("personalization", personalization, 0.0, 1.0)
        check_range("k", k, 1)
        text, notes = clean_query(query)
        notes = self.notes + notes
        fallback = None if history else FALLBACK_NOT_PERSONALISED
        if not history:
            who = f"shopper {user!r}" if user else "this shopper"
            notes += (f"not personalised: {who} has no history, so this is the list everyone sees",)
        base = SearchResult(text, user, personalization, (), (), (), notes, fallback)
        words = self.lexical.words(text)
        if not text or not words:
            hint = "type a product, brand or category word" + (
                " (only common words like “the” or “and” were typed)" if text else ""
            )
            return replace(base, notes=(*notes, f"nothing to search for: {hint}"))
        match = self.lexical.match(text)
        relevance = self.text_relevance([text], [match])
        candidates = relevance.candidates[0] & self.recommender._excluded(history, filters)
        suggestions = self.lexical.did_you_mean(match)
        if not candidates.any():
            closest = f"; closest: {', '.join(suggestions)}" if suggestions else ""
            return replace(
                base,
                did_you_mean=suggestions,
                notes=(*notes, f"no product matches {_quoted(text)}{closest}"),
            )
        return self._ranked(base, history, relevance, candidates, k, suggestions, reasons)

    def _ranked(
        self,
        base: SearchResult,
        history: tuple[Event, ...],
        relevance: TextRelevance,
        candidates: np.ndarray,
        k: int,
        suggestions: tuple[str, ...],
        with_reasons: bool,
    ) -> SearchResult:
        """The personalised and the everyone list of a query with some matches."""
        text, lexical, mask = relevance.scores[:1], relevance.lexical[0], candidates[None, :]
        encoded = self.recommender.encode([history]) if history else None
        model = None if encoded is None else self.recommender.score(encoded, [0])  # (1, V)
        shared, text_scaled, _ = personalize.blend(text, None, mask, 0.0)
        final, _, model_scaled = personalize.blend(
            text, None if model is None else model.numpy(), mask, base.personalization
        )
        popularity, scaled = self.popularity, text_scaled[0]
        everyone_order = personalize.ranked(shared[0], scaled, popularity, candidates)
        order = personalize.ranked(final[0], scaled, popularity, candidates)
        place = {int(item): r for r, item in enumerate(everyone_order, start=1)}
        top, shown = order[:k], everyone_order[:k]
        moves = [place[int(i)] - r for r, i in enumerate(top, start=1)]
        personal = model is not None and encoded is not None and base.personalization > 0
        if personal and with_reasons:
            reasons = personalize.move_reasons(
                self.recommender, history, top, model[0], moves, encoded
            )
        elif personal:
            reasons = [personalize.describe_move(move) for move in moves]
        else:
            reasons = [personalize.text_reason(float(lexical[i])) for i in top]
        model_row = None if model_scaled is None else model_scaled[0]
        hits = self._hits(top, final[0], scaled, model_row, moves, reasons, place)
        everyone = self._hits(
            shown,
            shared[0],
            scaled,
            model_row,
            [0] * len(shown),
            [personalize.text_reason(float(lexical[i])) for i in shown],
            place,
        )
        return replace(
            base, items=hits, everyone=everyone, did_you_mean=suggestions, matches=len(order)
        )

    def _hits(
        self,
        top: np.ndarray,
        final: np.ndarray,
        text: np.ndarray,
        model: np.ndarray | None,
        moves: Sequence[int],
        reasons: Sequence[str],
        place: dict[int, int],
    ) -> tuple[SearchHit, ...]:
        table = self.recommender.table
        return tuple(
            SearchHit(
                rank=r,
                item_id=table.items.tokens[int(i) - 1],
                score=float(final[i]),
                text_score=float(text[i]),
                model_score=None if model is None else float(model[i]),
                fields=table.fields(int(i)),
                move=int(move),
                reason=reason,
                new=table.is_new(int(i)),
                everyone_rank=place.get(int(i)),
            )
            for r, (i, move, reason) in enumerate(zip(top, moves, reasons, strict=True), start=1)
        )
