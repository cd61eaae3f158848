"""Per-user chronological sequences, splits and the torch datasets that feed the models.

Sequences are stored CSR-style (`offsets` into flat `items` / `event_types` arrays), so a
log of millions of events costs a few flat numpy arrays, not millions of Python lists.
Batches are dicts with HuggingFace names: `input_ids`, `attention_mask`, `labels` (next
item at every position, -100 where there is none) and `event_type_ids`, left-padded with 0
so the most recent event is always the last column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from seqrec_core import schema
from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import ConfigError, InputError

IGNORE_INDEX = -100  # label of positions without a next item (torch/HF convention)
Batch = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Sequences:
    """Many item sequences in CSR layout; row `r` is `items[offsets[r]:offsets[r + 1]]`."""

    offsets: np.ndarray  # (N + 1,) int64
    items: np.ndarray  # (E,) int64 item indices, ≥ 1
    event_types: np.ndarray  # (E,) int64 event-type indices, ≥ 1
    users: np.ndarray  # (N,) int64 user index of each row

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        """(N,) events per row."""
        return np.diff(self.offsets)

    def row(self, r: int) -> np.ndarray:
        """The item indices of row `r`."""
        return self.items[self.offsets[r] : self.offsets[r + 1]]

    def keep(self, mask: np.ndarray, *, drop_empty: bool = True) -> Sequences:
        """Keep the events where `mask` (E,) is true, row by row, order unchanged."""
        row_of_event = np.repeat(np.arange(len(self)), self.lengths)
        counts = np.bincount(row_of_event[mask], minlength=len(self))
        rows = np.flatnonzero(counts > 0) if drop_empty else np.arange(len(self))
        offsets = np.concatenate([[0], np.cumsum(counts[rows])]).astype(np.int64)
        return Sequences(offsets, self.items[mask], self.event_types[mask], self.users[rows])

    def take_rows(self, rows: np.ndarray) -> Sequences:
        """The rows `rows` (ascending, unique) as a new `Sequences`, in that order."""
        chosen = np.zeros(len(self), dtype=bool)
        chosen[rows] = True
        events = np.repeat(chosen, self.lengths)
        offsets = np.concatenate([[0], np.cumsum(self.lengths[rows])]).astype(np.int64)
        return Sequences(offsets, self.items[events], self.event_types[events], self.users[rows])


@dataclass(frozen=True)
class SequenceData:
    """A dataset's chronological sequences with the vocabularies that index them."""

    users: Vocab
    items: Vocab
    event_types: Vocab
    sequences: Sequences  # row i belongs to user index users[i] (all users, sorted)
    timestamps: np.ndarray  # (E,) int64 nanoseconds, aligned with sequences.items


def _nanoseconds(values: pd.Series) -> np.ndarray:
    """(E,) int64 nanoseconds since the epoch, in UTC when the times carry a zone."""
    times = pd.to_datetime(values, utc=True).dt.tz_convert(None)
    return times.to_numpy(dtype="datetime64[ns]").view(np.int64)


def build_user_sequences(
    events: pd.DataFrame, items: Vocab | None = None, event_types: Vocab | None = None
) -> SequenceData:
    """Group canonical events into per-user chronological sequences.

    Events are ordered by timestamp; ties keep their input order (a stable sort), so a
    log whose rows are already in order is never reshuffled.

    Args:
        events: columns `user_id`, `item_id`, `timestamp` and optionally `event_type`.
        items: an existing item vocabulary (e.g. a trained model's); default: built here.
        event_types: an existing event-type vocabulary; default: built here.

    Raises:
        InputError: a required column is missing, or an item is not in `items`.
    """
    missing = [c for c in schema.REQUIRED_FIELDS if c not in events.columns]
    if missing:
        raise InputError(f"the events have no {', '.join(missing)} column")
    users = Vocab.from_values(events[schema.USER_ID].astype("string"))
    items = items or Vocab.from_values(events[schema.ITEM_ID].astype("string"))
    has_types = schema.EVENT_TYPE in events.columns
    type_values = events[schema.EVENT_TYPE].astype("string").fillna("") if has_types else None
    if event_types is None:
        event_types = Vocab.from_values(type_values if has_types else ["event"])
    user_idx = users.encode(events[schema.USER_ID], what="user")
    ts = _nanoseconds(events[schema.TIMESTAMP])
    order = _chronological_order(user_idx, ts)
    item_idx = items.encode(events[schema.ITEM_ID], what="item")[order]
    if type_values is not None:
        type_idx = event_types.encode(type_values, what="event type")[order]
    else:  # no event types in the log: every event has the first type
        type_idx = np.ones(len(order), dtype=np.int64)
    counts = np.bincount(user_idx[order] - 1, minlength=users.num_tokens)
    sequences = Sequences(
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        items=item_idx,
        event_types=type_idx,
        users=np.arange(1, users.num_tokens + 1, dtype=np.int64),
    )
    return SequenceData(users, items, event_types, sequences, ts[order])


def _chronological_order(user: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Row order by user, then time, then row (a stable sort). A dataset's events file is
    already in that order (`store`), which is checked in one pass instead of sorted."""
    same_user = user[1:] == user[:-1]
    if (user[1:] >= user[:-1]).all() and (ts[1:] >= ts[:-1])[same_user].all():
        return np.arange(len(user))
    return np.lexsort((ts, user))  # stable: ties keep their row order


@dataclass(frozen=True)
class EvalExamples:
    """Held-out targets, one per row, with everything the user did before each."""

    history: Sequences
    targets: np.ndarray  # (N,) item index of the held-out event

    def __len__(self) -> int:
        return len(self.targets)

    def sample_size(self, size: int) -> int:
        """How many examples `sample(size, ...)` keeps: `size`, or all when it is 0 or more."""
        return len(self) if size <= 0 or size >= len(self) else size

    def sample(self, size: int, seed: int) -> EvalExamples:
        """A fixed random sample of `sample_size(size)` examples (seeded). Rows keep their
        order, so a sample of everyone is `self`."""
        if self.sample_size(size) == len(self):
            return self
        rows = np.sort(np.random.default_rng(seed).choice(len(self), size, replace=False))
        return EvalExamples(self.history.take_rows(rows), self.targets[rows])


@dataclass(frozen=True)
class Split:
    """Training sequences and the validation and test examples of one protocol."""

    kind: str  # "leave_one_out" or "temporal"
    train: Sequences
    valid: EvalExamples
    test: EvalExamples


def _positions(seqs: Sequences) -> tuple[np.ndarray, np.ndarray]:
    """(E,) position of each event within its row and (E,) the row's length."""
    lengths = seqs.lengths
    starts = np.repeat(seqs.offsets[:-1], lengths)
    return np.arange(len(seqs.items)) - starts, np.repeat(lengths, lengths)


def _examples(seqs: Sequences, prefix_len: np.ndarray) -> EvalExamples:
    """Targets at position `prefix_len[r]` of the rows where it is ≥ 1 and inside the row."""
    position, _ = _positions(seqs)
    per_event_prefix = np.repeat(prefix_len, seqs.lengths)
    valid_rows = (prefix_len >= 1) & (prefix_len < seqs.lengths)
    history = seqs.keep((position < per_event_prefix) & np.repeat(valid_rows, seqs.lengths))
    rows = np.flatnonzero(valid_rows)
    return EvalExamples(history, seqs.items[seqs.offsets[rows] + prefix_len[rows]])


def leave_one_out_split(seqs: Sequences) -> Split:
    """Last event = test, second-to-last = validation, the rest = training.

    Users with fewer than 3 events have no held-out events: all they did is training.
    """
    position, length = _positions(seqs)
    train = seqs.keep((position < length - 2) | (length < 3))
    evaluable = np.where(seqs.lengths >= 3, seqs.lengths, 0)
    return Split(
        "leave_one_out", train, _examples(seqs, evaluable - 2), _examples(seqs, evaluable - 1)
    )


def temporal_split(data: SequenceData, valid_at: float = 0.8, test_at: float = 0.9) -> Split:
    """A global temporal split: one cut-off date for everybody, no peeking into the future.

    Events up to the `valid_at` quantile of all timestamps are training. Each user's first
    event after that cut (and before the `test_at` cut) is a validation target, the first
    event after the `test_at` cut a test target; the history is everything before it.
    """
    if not 0.0 < valid_at < test_at < 1.0:
        raise ConfigError(
            f"temporal split needs 0 < valid_at < test_at < 1, got {valid_at}, {test_at}"
        )
    seqs, ts = data.sequences, data.timestamps
    t_valid, t_test = np.quantile(ts, [valid_at, test_at], method="lower")
    row_of_event = np.repeat(np.arange(len(seqs)), seqs.lengths)
    before_valid = np.bincount(row_of_event[ts <= t_valid], minlength=len(seqs))
    before_test = np.bincount(row_of_event[ts <= t_test], minlength=len(seqs))
    # A validation target must fall inside (t_valid, t_test]: otherwise the user has none.
    inside = before_valid < before_test
    valid = _examples(seqs, np.where(inside, before_valid, 0))
    return Split("temporal", seqs.keep(ts <= t_valid), valid, _examples(seqs, before_test))


def pad_left(seqs: Sequences, rows: Sequence[int] | np.ndarray, max_len: int) -> Batch:
    """The last `max_len` events of `rows` as a left-padded batch, trimmed to its longest row.

    Returns:
        `input_ids`, `attention_mask`, `event_type_ids`: (B, L) int64 with L ≤ max_len.
    """
    rows = np.asarray(rows, dtype=np.int64)
    lengths = np.minimum(seqs.lengths[rows], max_len)
    width = max(1, int(lengths.max(initial=0)))
    input_ids = np.zeros((len(rows), width), dtype=np.int64)
    event_type_ids = np.zeros_like(input_ids)
    for i, (r, n) in enumerate(zip(rows, lengths, strict=True)):
        if n:
            end = seqs.offsets[r + 1]
            input_ids[i, width - n :] = seqs.items[end - n : end]
            event_type_ids[i, width - n :] = seqs.event_types[end - n : end]
    ids = torch.from_numpy(input_ids)
    return {
        "input_ids": ids,
        "attention_mask": (ids != 0).long(),
        "event_type_ids": torch.from_numpy(event_type_ids),
    }


class NextItemDataset(Dataset[Batch]):
    """Training windows for the shifted next-item objective.

    Each window of up to `max_len + 1` events gives `input_ids = w[:-1]` and
    `labels = w[1:]`, so every position learns its next item in one pass. Rows longer
    than a window are cut into several windows from the end, so no target is lost.
    """

    def __init__(self, seqs: Sequences, max_len: int) -> None:
        if max_len < 1:
            raise ConfigError(f"max_len must be ≥ 1, got {max_len}")
        self.seqs, self.max_len = seqs, max_len
        starts, ends = [], []
        for r in np.flatnonzero(seqs.lengths >= 2):
            begin, end = int(seqs.offsets[r]), int(seqs.offsets[r + 1])
            while end - begin >= 2:
                start = max(begin, end - max_len - 1)
                starts.append(start)
                ends.append(end)
                end = start + 1  # the next window's last label is this window's first input
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def lengths(self) -> np.ndarray:
        """(N,) real (non-padding) input positions per window."""
        return self.ends - self.starts - 1

    def __getitem__(self, index: int) -> Batch:
        start, end = int(self.starts[index]), int(self.ends[index])
        n = end - start - 1
        input_ids = torch.zeros(self.max_len, dtype=torch.long)
        labels = torch.full((self.max_len,), IGNORE_INDEX, dtype=torch.long)
        event_type_ids = torch.zeros(self.max_len, dtype=torch.long)
        input_ids[-n:] = torch.from_numpy(self.seqs.items[start : end - 1])
        labels[-n:] = torch.from_numpy(self.seqs.items[start + 1 : end])
        event_type_ids[-n:] = torch.from_numpy(self.seqs.event_types[start : end - 1])
        return {
            "input_ids": input_ids,
            "attention_mask": (input_ids != 0).long(),
            "labels": labels,
            "event_type_ids": event_type_ids,
        }


def collate(examples: list[Batch], *, trim: bool = True) -> Batch:
    """Stack examples; with `trim`, drop the leading columns that are padding in every row.

    Models derive positions from the attention mask (padding never shifts them), so
    trimming changes cost, never the outputs.
    """
    batch = {key: torch.stack([e[key] for e in examples]) for key in examples[0]}
    if trim:
        used = batch["attention_mask"].any(dim=0).nonzero()
        first = int(used[0, 0]) if len(used) else batch["attention_mask"].shape[1] - 1
        batch = {key: value[:, first:] for key, value in batch.items()}
    return batch


def length_grouped_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator, *, group: int = 50
) -> list[np.ndarray]:
    """Shuffled batches of similar-length rows (HF Trainer's `group_by_length` idea).

    Rows are shuffled, cut into groups of `group * batch_size`, sorted by length within a
    group and batched; batch order is shuffled again. Short rows then share short batches,
    which `collate` trims, so a mostly-short log trains several times faster on CPU.
    """
    order = rng.permutation(len(lengths))
    batches: list[np.ndarray] = []
    for start in range(0, len(order), group * batch_size):
        chunk = order[start : start + group * batch_size]
        chunk = chunk[np.argsort(-lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]
