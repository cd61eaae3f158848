"""Re-scoring edited copies of one sequence in batches: the exact side of explanations.

Occlusion, group ablation, deletion curves and counterfactuals all ask "what would the
model score if these events were not there?". The answer is never approximated: each
variant is a real sequence (the kept events in their order, left-padded) scored by the
model's own `score_items`, all variants of a question in one batch (chunked to bound
memory, each variant scored once, padding trimmed as evaluation trims it), with no
Python loop over positions or over the catalog.

Rankings exclude a fixed set of items (the shopper's history, as in evaluation), the same
for every variant so that variants compare like for like.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

# (input_ids (B, L), attention_mask (B, L), event_type_ids (B, L)) -> (B, V) scores.
ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
CHUNK_ROWS = 512  # variants scored per forward pass, at most
# ... and at most this many bytes of scores per pass: a chunk's (R, V) scores and the
# (R, V) temporaries a reduction makes of them are the peak of an explanation. At 242k
# products 512 rows were 0.5 GiB of scores each and the explanation peaked 1.6 GiB above
# the loaded run; a catalog of up to 32k products keeps 512 rows.
CHUNK_SCORE_BYTES = 64 << 20
_FIRST_CHUNK = 8  # rows scored first, to learn the catalog width


def keep_batch(
    input_ids: torch.Tensor, event_type_ids: torch.Tensor, keep: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Variants of one sequence that keep only some events, as a left-padded batch.

    Args:
        input_ids: (L,) item indices of the sequence, oldest first, no padding.
        event_type_ids: (L,) their event-type indices.
        keep: (K, L) bool, true where variant k keeps the event.

    Returns:
        `input_ids`, `attention_mask`, `event_type_ids`: (K, L) long; the kept events of
        each row in their original order, right-aligned after left padding.
    """
    keep = keep.bool()
    # A stable sort on "kept" moves dropped events to the front and keeps the order.
    order = torch.argsort(keep.to(torch.int8), dim=1, stable=True)  # (K, L)
    kept = keep.gather(1, order)  # (K, L)
    ids = input_ids[order] * kept  # (K, L)
    types = event_type_ids[order] * kept
    return {"input_ids": ids, "attention_mask": kept.long(), "event_type_ids": types}


def _scored_chunks(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    unique: torch.Tensor,
    chunk_rows: int,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """(rows of `unique`, their (R, V) scores) chunk by chunk, fewest events first.

    Variants are scored fewest events first, each chunk trimmed to its longest row as
    evaluation's `pad_left` trims a batch: every model scores a left-padded row like the
    same events unpadded, so a short variant costs what its events cost, not the window.
    Chunks hold at most `chunk_rows` variants and `CHUNK_SCORE_BYTES` of scores.
    """
    kept = unique.sum(dim=1)  # (U,) events each distinct variant keeps
    order = torch.argsort(kept, stable=True)  # fewest events first: similar widths per chunk
    start, size = 0, min(chunk_rows, _FIRST_CHUNK)
    with torch.no_grad():
        while start < len(order):
            rows = order[start : start + size]
            batch = keep_batch(input_ids, event_type_ids, unique[rows])
            width = max(1, int(kept[rows].max()))  # the kept events sit right-aligned
            trimmed = {name: column[:, -width:] for name, column in batch.items()}
            scores = score_fn(
                trimmed["input_ids"], trimmed["attention_mask"], trimmed["event_type_ids"]
            )
            yield rows, scores
            start += len(rows)
            row_bytes = scores.shape[1] * scores.element_size()
            size = min(chunk_rows, max(_FIRST_CHUNK, CHUNK_SCORE_BYTES // row_bytes))


def score_variants(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    keep: torch.Tensor,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> torch.Tensor:
    """Scores of every variant of `keep_batch`, without gradients.

    Identical variants (a deletion curve's full and empty sequences recur in every order)
    are scored once (see `_scored_chunks` for the order and the trimming).

    Args:
        score_fn: the model's `score_items`.
        input_ids: (L,) the sequence's item indices.
        event_type_ids: (L,) its event types.
        keep: (K, L) bool, which events each variant keeps.
        chunk_rows: variants per forward pass.

    Returns:
        (K, V) float scores (column 0, padding, is -inf), in the order of `keep`.
    """
    unique, inverse = torch.unique(keep.bool(), dim=0, return_inverse=True)  # (U, L), (K,)
    scores: torch.Tensor | None = None
    for rows, chunk in _scored_chunks(score_fn, input_ids, event_type_ids, unique, chunk_rows):
        if scores is None:
            scores = chunk.new_empty((len(unique), chunk.shape[1]))  # (U, V)
        scores[rows] = chunk
    assert scores is not None  # torch.unique of a non-empty keep has rows
    return scores[inverse].float()


def reduce_variants(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    keep: torch.Tensor,
    reduce: Callable[[torch.Tensor], torch.Tensor],
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> torch.Tensor:
    """`reduce(score_variants(...))` computed chunk by chunk: (K, ...) in the order of `keep`.

    `reduce` maps (R, V) scores to one small row per variant (a target's score, its rank,
    the top items). A search over thousands of variants of a 250k-product catalog then
    holds one chunk's scores at a time, never the (K, V) matrix of them all.
    """
    unique, inverse = torch.unique(keep.bool(), dim=0, return_inverse=True)
    out: torch.Tensor | None = None
    for rows, chunk in _scored_chunks(score_fn, input_ids, event_type_ids, unique, chunk_rows):
        reduced = reduce(chunk.float())
        if out is None:
            out = reduced.new_empty((len(unique), *reduced.shape[1:]))
        out[rows] = reduced
    assert out is not None  # torch.unique of a non-empty keep has rows
    return out[inverse]


def top_variant_items(
    score_fn: ScoreFn,
    input_ids: torch.Tensor,
    event_type_ids: torch.Tensor,
    keep: torch.Tensor,
    excluded: torch.Tensor,
    *,
    k: int = 1,
) -> torch.Tensor:
    """(K, k) each variant's k best items that are not excluded (`top_items`, by chunk)."""
    return reduce_variants(
        score_fn, input_ids, event_type_ids, keep, lambda scores: top_items(scores, excluded, k)
    )


def excluded_items(num_columns: int, history: torch.Tensor, *, exclude_seen: bool) -> torch.Tensor:
    """(V,) bool: padding, plus the history's items when `exclude_seen`."""
    excluded = torch.zeros(num_columns, dtype=torch.bool)
    excluded[0] = True
    if exclude_seen:
        excluded[history.long()] = True
    return excluded


def optimistic_one_based_ranks(
    scores: torch.Tensor, targets: torch.Tensor, excluded: torch.Tensor
) -> torch.Tensor:
    """1-based rank of each row's target among the items that are not excluded; ties favour it.

    Only items scoring strictly above the target count, so the shown rank of an explained
    item never drops for a tie. Not the evaluation convention: metrics use
    `training.evaluation.pessimistic_zero_based_ranks` (0-based, ties counted against).

    Args:
        scores: (K, V) scores.
        targets: (K,) or () target item index per row.
        excluded: (V,) bool items that are never ranked (the target itself always is).

    Returns:
        (K,) long: 1 + the number of ranked items scoring strictly above the target.
    """
    targets = targets.expand(scores.shape[0]) if targets.dim() == 0 else targets
    own = scores.gather(1, targets.view(-1, 1))  # (K, 1)
    # Every item above, less the few excluded ones above: one (K, V) comparison, not two.
    dropped = excluded.nonzero().squeeze(1)
    above = (scores > own).sum(dim=1) - (scores[:, dropped] > own).sum(dim=1)
    return above + 1


def top_items(scores: torch.Tensor, excluded: torch.Tensor, k: int = 1) -> torch.Tensor:
    """(K, k) the indices of each row's k best items that are not excluded.

    The k best are among the raw k + (number excluded) best, so only those are filtered:
    no masked copy of a (K, V) matrix over a catalog of 250k products.
    """
    width = min(scores.shape[1], k + int(excluded.sum()))
    candidates = scores.topk(width, dim=1).indices  # (K, width), best first
    excluded_first = excluded[candidates].to(torch.int8)  # 1 where excluded
    order = torch.argsort(excluded_first, dim=1, stable=True)[:, :k]  # kept ones, in order
    return candidates.gather(1, order)
