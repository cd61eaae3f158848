"""Sequences, vocabularies, splits and training windows on tiny hand-made logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec_core.data.sequences import (
    IGNORE_INDEX,
    NextItemDataset,
    Sequences,
    build_user_sequences,
    collate,
    leave_one_out_split,
    length_grouped_batches,
    pad_left,
    temporal_split,
)
from seqrec_core.data.vocab import Vocab, item_feature_table
from seqrec_core.errors import ConfigError, InputError


def _events() -> pd.DataFrame:
    """3 users, 9 events, shuffled rows, one timestamp tie (user a, day 3)."""
    return pd.DataFrame(
        {
            "user_id": ["b", "a", "a", "b", "a", "c", "c", "c", "a"],
            "item_id": ["x", "y", "z", "x", "x", "y", "z", "w", "w"],
            "timestamp": pd.to_datetime(
                [
                    "2020-01-02",
                    "2020-01-03",
                    "2020-01-01",
                    "2020-01-01",
                    "2020-01-03",
                    "2020-01-05",
                    "2020-01-06",
                    "2020-01-07",
                    "2020-01-09",
                ]
            ),
            "event_type": [
                "view",
                "purchase",
                "view",
                "view",
                "cart",
                "view",
                "view",
                "view",
                "fav",
            ],
        }
    )


def _rows(seqs: Sequences, vocab: Vocab) -> list[list[str]]:
    return [vocab.decode(seqs.row(r)) for r in range(len(seqs))]


def test_vocab_reserves_padding_and_round_trips() -> None:
    vocab = Vocab.from_values(["b", "a", "c", "a"])
    assert vocab.tokens == ("a", "b", "c")
    assert vocab.size == 4 and vocab.num_tokens == 3
    assert vocab.encode(["c", "a"]).tolist() == [3, 1]
    assert vocab.decode([3, 1]) == ["c", "a"]
    assert Vocab.from_json(vocab.to_json()) == vocab
    with pytest.raises(InputError, match="unknown item 'zz'"):
        vocab.encode(["a", "zz"], what="item")
    with pytest.raises(InputError, match="unknown item <NA>"):
        vocab.encode(pd.Series(["a", None, "b"], dtype="string"), what="item")
    many = pd.Series(["c", "a", "c", "b", "a"] * 3, dtype="string")
    assert Vocab.from_values(many) == vocab  # distinct values of a string column
    assert vocab.encode(many).tolist() == [3, 1, 3, 2, 1] * 3
    with pytest.raises(IndexError):
        vocab.decode([0])


def test_sequences_are_chronological_with_stable_ties() -> None:
    data = build_user_sequences(_events())
    assert data.users.tokens == ("a", "b", "c")
    # User a: z (day 1), then y and x tie on day 3 and keep their input order, then w.
    assert _rows(data.sequences, data.items) == [["z", "y", "x", "w"], ["x", "x"], ["y", "z", "w"]]
    assert data.event_types.decode(data.sequences.event_types[:4]) == [
        "view",
        "purchase",
        "cart",
        "fav",
    ]
    assert np.all(np.diff(data.timestamps[:4]) >= 0)


def test_events_already_in_order_give_the_same_sequences() -> None:
    """A dataset's events file is stored by user and time (one pass checks it instead of a
    sort); rows in user order but not in time order are still sorted."""
    events = _events()
    expected = build_user_sequences(events)
    in_order = events.iloc[[2, 1, 4, 8, 3, 0, 5, 6, 7]]  # by user, time, then row
    swapped = events.iloc[[1, 2, 4, 8, 0, 3, 5, 6, 7]]  # by user only: a's day 3 first
    for frame in (in_order, swapped):
        data = build_user_sequences(frame.reset_index(drop=True))
        assert _rows(data.sequences, data.items) == _rows(expected.sequences, expected.items)
        assert data.timestamps.tolist() == expected.timestamps.tolist()


def test_missing_column_is_reported() -> None:
    with pytest.raises(InputError, match="timestamp"):
        build_user_sequences(_events().drop(columns="timestamp"))


def test_leave_one_out_split() -> None:
    data = build_user_sequences(_events())
    split = leave_one_out_split(data.sequences)
    items = data.items
    # b has only 2 events: all training, no held-out target.
    assert _rows(split.train, items) == [["z", "y"], ["x", "x"], ["y"]]
    assert _rows(split.valid.history, items) == [["z", "y"], ["y"]]
    assert items.decode(split.valid.targets) == ["x", "z"]
    assert _rows(split.test.history, items) == [["z", "y", "x"], ["y", "z"]]
    assert items.decode(split.test.targets) == ["w", "w"]
    assert split.test.history.users.tolist() == [1, 3]


def test_temporal_split_never_trains_on_the_future() -> None:
    data = build_user_sequences(_events())
    # 9 events: the cuts fall on the 6th (day 5) and the 7th (day 6) timestamps.
    split = temporal_split(data, valid_at=0.7, test_at=0.8)
    items = data.items
    assert _rows(split.train, items) == [["z", "y", "x"], ["x", "x"], ["y"]]
    # Only c has an event inside (day 5, day 6]: its day-6 event is validation.
    assert items.decode(split.valid.targets) == ["z"]
    assert _rows(split.valid.history, items) == [["y"]]
    # First events after day 6: a's day 9 and c's day 7, each with its whole past.
    assert items.decode(split.test.targets) == ["w", "w"]
    assert _rows(split.test.history, items) == [["z", "y", "x"], ["y", "z"]]
    with pytest.raises(ConfigError):
        temporal_split(data, valid_at=0.9, test_at=0.5)


def _long_sequences() -> Sequences:
    """Rows of length 11, 1 and 4 (items 1..11, 12, 13..16)."""
    items = np.arange(1, 17)
    return Sequences(
        offsets=np.array([0, 11, 12, 16]),
        items=items,
        event_types=np.ones(16, dtype=np.int64),
        users=np.array([1, 2, 3]),
    )


def test_next_item_windows_cover_every_target_once() -> None:
    dataset = NextItemDataset(_long_sequences(), max_len=3)
    labels = []
    for i in range(len(dataset)):
        example = dataset[i]
        assert example["input_ids"].shape == (3,)
        real = example["attention_mask"].bool()
        # Left padding: the real events are the last columns.
        assert torch.equal(real, real.sort().values)
        # Shifted objective: the label at a position is the next input.
        assert torch.equal(example["input_ids"][real][1:], example["labels"][real][:-1])
        assert torch.all(example["labels"][~real] == IGNORE_INDEX)
        labels += example["labels"][real].tolist()
    assert sorted(labels) == [*range(2, 12), *range(14, 17)]
    assert sorted(dataset.lengths.tolist()) == [1, 3, 3, 3, 3]


def test_collate_trims_shared_padding_only() -> None:
    dataset = NextItemDataset(_long_sequences(), max_len=5)
    short = [i for i in range(len(dataset)) if dataset.lengths[i] <= 3]
    one_long = [*short, int(np.argmax(dataset.lengths))]
    assert collate([dataset[i] for i in short])["input_ids"].tolist() == [[13, 14, 15]]
    assert collate([dataset[i] for i in one_long])["input_ids"].shape[1] == 5
    assert collate([dataset[i] for i in short], trim=False)["input_ids"].shape[1] == 5


def test_pad_left_keeps_the_latest_events() -> None:
    batch = pad_left(_long_sequences(), [1, 0], max_len=4)
    assert batch["input_ids"].tolist() == [[0, 0, 0, 12], [8, 9, 10, 11]]
    assert batch["attention_mask"].tolist() == [[0, 0, 0, 1], [1, 1, 1, 1]]


def test_length_grouped_batches_is_a_partition() -> None:
    lengths = np.array([5, 1, 9, 2, 2, 7, 3, 1, 8, 4, 6])
    rng = np.random.default_rng(3)
    batches = length_grouped_batches(lengths, batch_size=3, rng=rng, group=2)
    assert sorted(np.concatenate(batches).tolist()) == list(range(11))
    assert all(len(b) <= 3 for b in batches)


def test_item_feature_table_from_catalog() -> None:
    items = Vocab.from_values(["i1", "i2", "i3"])
    catalog = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "other"],
            "category": ["Home > Kitchen > Knives", "Home", "Toys"],
            "brand": ["Acme", None, "Zed"],
            "attributes": [None, "red;large", None],
        }
    )
    features = item_feature_table(catalog, items)
    tokens = [features.vocab.decode(row[row > 0]) for row in features.table]
    assert tokens[0] == []  # padding row
    assert tokens[1] == [
        "category:Home",
        "category:Home > Kitchen",
        "category:Home > Kitchen > Knives",
        "brand:Acme",
    ]
    assert tokens[2] == ["category:Home", "attr:red", "attr:large"]
    assert tokens[3] == []  # no catalog row
    assert features.table.shape == (4, 4)
