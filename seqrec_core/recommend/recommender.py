"""Top-K recommendations for a shopper or an edited history, with filters and reasons.

`recommend` scores a history (a shopper's stored events or a what-if edit of them) with a
trained run's model, applies business filters, and gives every item a one-line reason:
the past product most responsible for it, by exact re-scoring of the history without each
of its products in one batch (`reasons` says how the product is chosen). A shopper with no usable history gets a labelled
cold-start fallback: what is popular in the categories they touched, else overall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from seqrec_core.data.sequences import Sequences, pad_left
from seqrec_core.errors import InputError
from seqrec_core.recommend.item_table import Filters, ItemTable, allowed_mask, build_item_table
from seqrec_core.recommend.reasons import history_products, pick_reasons
from seqrec_core.runs.trained_run import LoadedRun
from seqrec_core.training.evaluation import training_popularity

FALLBACK_CATEGORIES, FALLBACK_POPULAR = "popular_in_categories", "popular"
_VERBS = {
    "view": "viewed",
    "click": "clicked",
    "fav": "saved",
    "cart": "added to cart",
    "purchase": "bought",
}


@dataclass(frozen=True)
class Event:
    """One event of a history: an item id as in the uploaded file, and its event type."""

    item_id: str
    event_type: str | None = None


@dataclass(frozen=True)
class Recommendation:
    """One recommended item."""

    rank: int  # 1-based
    item_id: str
    score: float
    reason: str
    fields: dict[str, object] = field(default_factory=dict)  # title, category, brand, price
    because_index: int | None = None  # position in the history of the strongest event
    new: bool = False  # never seen in training: scored from its text alone (text models)

    def to_dict(self) -> dict[str, object]:
        """The CLI's `{item_id, score, rank}` plus catalog fields, the reason and `new`."""
        return {
            "item_id": self.item_id,
            "score": self.score,
            "rank": self.rank,
            **self.fields,
            "reason": self.reason,
            "new": self.new,
        }


@dataclass(frozen=True)
class RecommendationList:
    """What a shopper would be shown."""

    user: str | None
    history: tuple[Event, ...]
    items: tuple[Recommendation, ...]
    fallback: str | None = None  # set when the list is a cold-start fallback, not the model's


@dataclass(frozen=True)
class RunRecommender:
    """A trained run ready to recommend: the model, its data and the aligned catalog."""

    loaded: LoadedRun
    table: ItemTable

    @classmethod
    def from_run(cls, loaded: LoadedRun) -> RunRecommender:
        """Align the run's catalog with its item indices (once per loaded run)."""
        data = loaded.prepared
        popularity = training_popularity(data.split, data.data.items.num_tokens).numpy()
        return cls(loaded, build_item_table(data.catalog, data.data.items, popularity))

    @property
    def model(self) -> torch.nn.Module:
        return self.loaded.checkpoint.model

    def user_history(self, user: str) -> tuple[Event, ...] | None:
        """The stored events of `user` (external id), oldest first; None when unknown."""
        data = self.loaded.prepared.data
        if user not in data.users:
            return None
        row = data.users.index(user) - 1  # sequences hold one row per user, in vocab order
        seqs = data.sequences
        start, end = seqs.offsets[row], seqs.offsets[row + 1]
        items = data.items.decode(seqs.items[start:end])
        types = data.event_types.decode(seqs.event_types[start:end])
        return tuple(Event(i, t) for i, t in zip(items, types, strict=True))

    def encode(self, histories: Sequence[Sequence[Event]]) -> Sequences:
        """Histories as index sequences (CSR).

        Raises:
            InputError: an item or event type the model does not know (names it).
        """
        data = self.loaded.prepared.data
        flat = [e for h in histories for e in h]
        unknown = next((e.item_id for e in flat if e.item_id not in data.items), None)
        if unknown is not None:
            raise InputError(
                f"item {unknown!r} is not in this model's catalog",
                hint="pick an item from the catalog (search by title or id)",
            )
        default_type = data.event_types.tokens[0]
        types = [e.event_type or default_type for e in flat]
        bad = next((t for t in types if t not in data.event_types), None)
        if bad is not None:
            known = ", ".join(data.event_types.tokens)
            raise InputError(
                f"event type {bad!r} is unknown to this model", hint=f"use one of: {known}"
            )
        items = (
            data.items.encode([e.item_id for e in flat], what="item")
            if flat
            else np.zeros(0, np.int64)
        )
        type_ids = (
            data.event_types.encode(types, what="event type") if flat else np.zeros(0, np.int64)
        )
        offsets = np.concatenate([[0], np.cumsum([len(h) for h in histories])]).astype(np.int64)
        return Sequences(offsets, items, type_ids, np.arange(1, len(histories) + 1))

    @torch.no_grad()  # not inference_mode: callers mask the scores in place
    def score(self, histories: Sequences, rows: Sequence[int] | np.ndarray) -> torch.Tensor:
        """(len(rows), V) model scores of the given rows (float32, CPU)."""
        model = self.model
        batch = pad_left(histories, rows, model.config.max_len)
        device = next(iter(model.state_dict().values())).device
        return model.score_items(**{k: v.to(device) for k, v in batch.items()}).float().cpu()

    def _excluded(self, history: Sequence[Event], filters: Filters) -> np.ndarray:
        """(V,) items allowed for this history: catalog rules, minus seen/bought items."""
        mask = allowed_mask(self.table, filters)
        data = self.loaded.prepared.data
        if filters.exclude_seen:
            dropped = [e.item_id for e in history]
        elif filters.exclude_purchased:
            dropped = [e.item_id for e in history if e.event_type == "purchase"]
        else:
            dropped = []
        known = [i for i in dropped if i in data.items]
        if known:
            mask[data.items.encode(known, what="item")] = False
        return mask

    def _without_each(self, encoded: Sequences, products: np.ndarray) -> Sequences:
        """One row per product: the (single-row) history `encoded` without its events."""
        rows = [encoded.items != item for item in products]  # (G,) masks over the events
        offsets = np.concatenate([[0], np.cumsum([int(r.sum()) for r in rows])]).astype(np.int64)
        return Sequences(
            offsets,
            np.concatenate([encoded.items[r] for r in rows]),
            np.concatenate([encoded.event_types[r] for r in rows]),
            np.arange(len(rows)),
        )

    def _reasons(
        self, history: Sequence[Event], encoded: Sequences, top: np.ndarray, full: torch.Tensor
    ) -> list[tuple[str, int | None]]:
        """Per recommended item: the past product most responsible for it (`reasons`), and
        the position in `history` of that product's strongest event."""
        window = min(len(history), self.model.config.max_len)
        if window == 0:
            return [("popular with shoppers", None)] * len(top)
        types = [e.event_type for e in history]
        products = history_products(encoded.items, types, len(history) - window)
        rows = np.arange(len(products.items))
        without = self.score(self._without_each(encoded, products.items), rows)  # (G, V)
        drops = full[top].unsqueeze(0) - without[:, top]  # (G, K): score lost without g
        out: list[tuple[str, int | None]] = []
        for g in pick_reasons(drops.numpy()):
            if g < 0:
                out.append(("popular with shoppers like this one", None))
                continue
            position = int(products.strongest[g])
            verb = _VERBS.get(history[position].event_type or "", "interacted with")
            out.append(
                (f"because they {verb} {self.table.label(int(products.items[g]))}", position)
            )
        return out

    def recommend(
        self,
        history: Sequence[Event],
        *,
        k: int = 10,
        filters: Filters | None = None,
        user: str | None = None,
        min_events: int = 1,
        reasons: bool = True,
    ) -> RecommendationList:
        """Top-`k` items for `history` (oldest first) under `filters`.

        Args:
            history: the events to score (a stored history or an edited one).
            k: list length.
            filters: business rules; default excludes items already seen.
            user: the shopper's id, only reported back.
            min_events: fewer events than this get the cold-start fallback.
            reasons: compute the "because …" line (one extra batched forward pass).

        Raises:
            InputError: an item or event type of `history` the model does not know.
        """
        filters = filters or Filters()
        history = tuple(history)
        allowed = self._excluded(history, filters)
        if len(history) < min_events:
            return self._fallback(history, allowed, k, user)
        encoded = self.encode([history])
        scores = self.score(encoded, [0])[0]  # (V,)
        masked = scores.masked_fill(torch.from_numpy(~allowed), float("-inf"))
        count = min(k, int(allowed.sum()))
        top = masked.topk(count).indices.numpy() if count else np.zeros(0, dtype=np.int64)
        why = self._reasons(history, encoded, top, scores) if reasons else [("", None)] * len(top)
        items = tuple(
            Recommendation(
                rank=r + 1,
                item_id=self.table.items.tokens[i - 1],
                score=float(scores[i]),
                reason=why[r][0],
                fields=self.table.fields(int(i)),
                because_index=why[r][1],
                new=self.table.is_new(int(i)),
            )
            for r, i in enumerate(top)
        )
        return RecommendationList(user, history, items)

    def _fallback(
        self, history: tuple[Event, ...], allowed: np.ndarray, k: int, user: str | None
    ) -> RecommendationList:
        """Popular items in the shopper's top-level categories (if any), else overall."""
        popularity = self.table.popularity.copy()
        data = self.loaded.prepared.data
        tops = {
            str(self.table.category[data.items.index(e.item_id)]).split(" > ")[0]
            for e in history
            if e.item_id in data.items and self.table.category[data.items.index(e.item_id)]
        }
        kind, reason = FALLBACK_POPULAR, "popular with all shoppers (not enough history yet)"
        if tops:
            in_tops = np.array(
                [c is not None and str(c).split(" > ")[0] in tops for c in self.table.category]
            )
            if (allowed & in_tops).any():
                allowed = allowed & in_tops
                kind = FALLBACK_CATEGORIES
                reason = f"popular in {', '.join(sorted(tops))} (not enough history yet)"
        ranked = np.where(allowed, popularity, -np.inf)
        top = np.argsort(-ranked, kind="stable")[: min(k, int(allowed.sum()))]
        items = tuple(
            Recommendation(
                r + 1,
                self.table.items.tokens[i - 1],
                float(popularity[i]),
                reason,
                self.table.fields(int(i)),
            )
            for r, i in enumerate(top)
        )
        return RecommendationList(user, history, items, fallback=kind)
