"""BERT4Rec and GRU4Rec: shapes, padding invariance, cloze masking, kernels, learning.

Odd sizes on purpose (99 items, length 7, hidden 30 with 3 heads) so shape bugs show.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec_core.data.prepare import build_model_for
from seqrec_core.data.sequences import IGNORE_INDEX, build_user_sequences, pad_left
from seqrec_core.data.vocab import ItemFeatures, Vocab
from seqrec_core.errors import ConfigError
from seqrec_core.models import (
    MODELS,
    Bert4Rec,
    Bert4RecConfig,
    GRU4Rec,
    GRU4RecConfig,
    Recommender,
    build_model,
)
from seqrec_core.models.bert4rec import cloze_mask
from seqrec_core.models.checkpoint import load_checkpoint, save_checkpoint
from seqrec_core.models.gru4rec import rotate_rows
from tests.support.model_batch import odd_sized_batch

NUM_ITEMS, MAX_LEN, HIDDEN, HEADS = 99, 7, 30, 3
NAMES = ("bert4rec", "gru4rec")
SIZES: dict[str, dict[str, object]] = {
    "bert4rec": {"hidden_size": HIDDEN, "num_heads": HEADS, "inner_size": 34},
    "gru4rec": {"embedding_size": HIDDEN, "hidden_size": 34},
}
TYPED = {"use_event_types": True, "num_event_types": 3}


def _model(name: str, **settings: object) -> Recommender:
    torch.manual_seed(0)
    return build_model(name, num_items=NUM_ITEMS, max_len=MAX_LEN, **SIZES[name], **settings)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_padding_column_and_every_parameter_learns(name: str) -> None:
    model = _model(name, **TYPED).train()
    batch = odd_sized_batch()
    loss = model(batch)
    assert loss.shape == () and math.isfinite(loss.item())
    loss.backward()
    # DistributedDataParallel fails on trainable parameters that get no gradient.
    unused = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert unused == []
    scores = model.eval().score_items(batch["input_ids"], event_type_ids=batch["event_type_ids"])
    assert scores.shape == (5, NUM_ITEMS + 1)
    assert torch.all(scores[:, 0] == float("-inf"))
    assert torch.isfinite(scores[:, 1:]).all()


@pytest.mark.parametrize("name", NAMES)
def test_left_padding_never_changes_scores(name: str) -> None:
    model = _model(name, **TYPED).eval()
    batch = odd_sized_batch()
    ids, types = batch["input_ids"][[0, 2]], batch["event_type_ids"][[0, 2]]
    pad = torch.zeros(2, 4, dtype=torch.long)
    with torch.no_grad():
        full = model.score_items(ids, event_type_ids=types)
        trimmed = model.score_items(ids[:, 3:], event_type_ids=types[:, 3:])
        longer = model.score_items(
            torch.cat([pad, ids], 1), event_type_ids=torch.cat([pad, types], 1)
        )
    torch.testing.assert_close(full[:, 1:], trimmed[:, 1:])
    torch.testing.assert_close(full[:, 1:], longer[:, 1:])  # longer than max_len: cut


def test_bert4rec_reads_the_appended_mask_with_bidirectional_history() -> None:
    model = _model("bert4rec").eval()
    assert isinstance(model, Bert4Rec)
    ids = odd_sized_batch()["input_ids"]
    with torch.no_grad():
        scores = model.score_items(ids)
        # By hand: the newest max_len - 1 events, then [MASK]; only its state is read.
        prepared = torch.cat([ids[:, 1:], torch.full((5, 1), model.mask_token)], dim=1)
        hidden, _ = model.encode(prepared, (prepared != 0).long())
        torch.testing.assert_close(scores[:, 1:], model.item_logits(hidden[:, -1]))
        changed = prepared.clone()
        changed[:, -2] = torch.tensor([61, 62, 63, 64, 65])  # the newest real event
        hidden_changed, _ = model.encode(changed, (changed != 0).long())
    # Bidirectional: a later event changes the states of the earlier real events too.
    real = (prepared[:, :-2] != 0).unsqueeze(-1)  # (B, L - 2, 1)
    difference = (hidden[:, :-2] - hidden_changed[:, :-2]).abs() * real
    assert difference.amax(dim=(1, 2))[[0, 1, 3, 4]].min() > 1e-4


def test_cloze_mask_never_masks_padding_and_masks_one_per_row() -> None:
    real = torch.ones(200, MAX_LEN, dtype=torch.bool)
    real[::2, :4] = False  # every other row has three events
    real[7] = False  # and one row has none
    torch.manual_seed(3)
    masked = cloze_mask(real, 0.2)
    assert not masked[~real].any()
    assert masked.sum(dim=1)[real.any(dim=1)].min() >= 1
    assert not masked[7].any()
    assert masked[:, -1].any()  # the newest event may be masked
    assert 0.15 < masked.sum() / real.sum() < 0.35  # ≈ 0.2, plus the forced ones
    torch.manual_seed(3)
    assert torch.equal(cloze_mask(real, 0.2), masked)  # seeded: reproducible
    assert torch.equal(cloze_mask(real, 1.0), real)


def test_bert4rec_training_masks_the_reconstructed_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _model("bert4rec", **TYPED).train()
    assert isinstance(model, Bert4Rec)
    seen: list[tuple[torch.Tensor, ...]] = []
    encode = model.encode

    def spy(ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor | None, **kw: bool):
        seen.append((ids, mask, types))
        return encode(ids, mask, types, **kw)

    monkeypatch.setattr(model, "encode", spy)
    batch = odd_sized_batch()
    torch.manual_seed(5)
    loss = model(batch)
    ids, mask, types = seen[0]
    window = torch.cat([batch["input_ids"], batch["labels"][:, -1:]], dim=1)[:, -MAX_LEN:]
    masked = ids == model.mask_token
    assert ids.shape == (5, MAX_LEN)
    assert torch.equal(ids[~masked], window[~masked])  # the inputs plus the final label
    assert torch.equal(mask, (window != 0).long())
    assert not masked[mask == 0].any() and masked.any(dim=1).all()
    assert types is not None and not types[masked].any()  # masked events hide their type
    torch.manual_seed(5)
    torch.testing.assert_close(model(batch), loss)  # dropout and masking reproduce


def test_bert4rec_sdpa_and_eager_give_the_same_scores() -> None:
    model = _model("bert4rec").eval()
    assert isinstance(model, Bert4Rec)
    ids = odd_sized_batch()["input_ids"]
    with torch.no_grad():
        fast = model.score_items(ids)
        with model.attention_kernel("eager"):
            eager = model.score_items(ids)
        attentions = model.attention_maps(ids)
    assert model.backbone.config._attn_implementation == "sdpa"  # restored
    torch.testing.assert_close(fast[:, 1:], eager[:, 1:], rtol=1e-5, atol=1e-5)
    assert len(attentions) == 2
    keys = torch.cat([ids[:, 1:], torch.ones(5, 1, dtype=torch.long)], dim=1) != 0  # + [MASK]
    for layer in attentions:
        assert layer.shape == (5, HEADS, MAX_LEN, MAX_LEN)
        mask_row = layer[:, :, -1]  # (B, heads, L): what the scores are read from
        torch.testing.assert_close(mask_row.sum(-1), torch.ones(5, HEADS))
        assert torch.all(mask_row.masked_select(~keys[:, None, :]) == 0)  # never padding


def test_gru4rec_later_items_never_change_earlier_positions() -> None:
    model = _model("gru4rec").eval()
    assert isinstance(model, GRU4Rec)
    ids = odd_sized_batch()["input_ids"]
    changed = ids.clone()
    changed[:, -1] = torch.tensor([61, 62, 63, 64, 65])
    with torch.no_grad():
        hidden, hidden_changed = model.encode(ids), model.encode(changed)
    torch.testing.assert_close(hidden[:, :-1], hidden_changed[:, :-1])
    assert not torch.allclose(hidden[:, -1], hidden_changed[:, -1])


def test_rotate_rows_moves_left_padding_to_the_right_and_back() -> None:
    x = torch.tensor([[0, 0, 1, 2], [3, 4, 5, 6], [0, 0, 0, 0]]).unsqueeze(-1)  # (3, 4, 1)
    lengths = torch.tensor([2, 4, 0])
    right = rotate_rows(x, 4 - lengths)
    assert right.squeeze(-1).tolist() == [[1, 2, 0, 0], [3, 4, 5, 6], [0, 0, 0, 0]]
    assert torch.equal(rotate_rows(right, lengths), x)


def _successor_windows(generator: torch.Generator, rows: int) -> dict[str, torch.Tensor]:
    """Windows of the rule "item i is always followed by item i + 1" (99 wraps to 1)."""
    start = torch.randint(1, NUM_ITEMS + 1, (rows, 1), generator=generator)
    window = (start - 1 + torch.arange(MAX_LEN + 1)) % NUM_ITEMS + 1  # (rows, L + 1)
    length = torch.randint(2, MAX_LEN + 2, (rows, 1), generator=generator)
    window = window * (torch.arange(MAX_LEN, -1, -1) < length)  # left padding
    input_ids, labels = window[:, :-1].clone(), window[:, 1:].clone()
    labels[input_ids == 0] = IGNORE_INDEX
    return {"input_ids": input_ids, "attention_mask": (input_ids != 0).long(), "labels": labels}


@pytest.mark.parametrize(
    ("name", "settings", "steps", "learning_rate"),
    [
        # The cloze task learns "i → i + 1" only through attention to a neighbour (the
        # masked position's own embedding is [MASK]), so it needs more steps.
        ("bert4rec", {"mask_prob": 0.5, "dropout": 0.0, "attention_dropout": 0.0}, 300, 3e-3),
        ("gru4rec", {"dropout": 0.0}, 60, 3e-2),
    ],
)
def test_a_tiny_training_loop_learns_the_successor_rule(
    name: str, settings: dict[str, object], steps: int, learning_rate: float
) -> None:
    model = _model(name, initializer_range=0.1, **settings).train()
    optimizer = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=learning_rate
    )
    generator = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(steps):
        loss = model(_successor_windows(generator, 64))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    test = _successor_windows(torch.Generator().manual_seed(2), 50)
    with torch.no_grad():
        top = model.eval().score_items(test["input_ids"]).argmax(dim=1)
    successor = test["input_ids"][:, -1] % NUM_ITEMS + 1
    assert (top == successor).float().mean() >= 0.7


@pytest.mark.parametrize(
    ("config_class", "field", "value", "message"),
    [
        (Bert4RecConfig, "mask_prob", 1.5, "Bert4RecConfig.mask_prob = 1.5"),
        (Bert4RecConfig, "hidden_size", 31, "multiple of num_heads"),
        (Bert4RecConfig, "max_len", 1, "max_len = 1"),
        (Bert4RecConfig, "attn_implementation", "flash", "attn_implementation = 'flash'"),
        (Bert4RecConfig, "use_event_types", True, "num_event_types = 0"),
        (GRU4RecConfig, "dropout", 1.5, "GRU4RecConfig.dropout = 1.5"),
        (GRU4RecConfig, "hidden_size", 0, "hidden_size = 0"),
        (GRU4RecConfig, "num_layers", 0, "num_layers = 0"),
        (GRU4RecConfig, "use_side_features", True, "num_feature_tokens = 0"),
    ],
)
def test_config_errors_name_the_field(
    config_class: type, field: str, value: object, message: str
) -> None:
    settings: dict[str, object] = {"num_items": NUM_ITEMS}
    if config_class is Bert4RecConfig:
        settings.update(hidden_size=30, num_heads=3)
    settings[field] = value
    with pytest.raises(ConfigError, match=message):
        config_class(**settings)


@pytest.mark.parametrize("name", NAMES)
def test_checkpoint_round_trip_keeps_scores(name: str, tmp_path: Path) -> None:
    side = {"use_side_features": True, "num_feature_tokens": 5, "features_per_item": 2}
    model = _model(name, **TYPED, **side).eval()
    table = torch.zeros(NUM_ITEMS + 1, 2, dtype=torch.long)
    table[1:, 0] = torch.arange(NUM_ITEMS) % 5 + 1
    model.set_item_features(table)  # type: ignore[operator]
    batch = odd_sized_batch()
    loaded = load_checkpoint(save_checkpoint(tmp_path / name, model)).model
    assert isinstance(loaded, MODELS[name][1])
    with torch.no_grad():
        before = model.score_items(batch["input_ids"], event_type_ids=batch["event_type_ids"])
        after = loaded.score_items(batch["input_ids"], event_type_ids=batch["event_type_ids"])
    assert torch.equal(before, after)


@pytest.mark.parametrize("name", NAMES)
def test_build_model_for_sizes_the_model_from_the_data(name: str) -> None:
    events = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b"],
            "item_id": ["x", "y", "z", "y", "x"],
            "timestamp": pd.to_datetime(["2020-01-0" + d for d in "12312"]),
            "event_type": ["view", "view", "buy", "view", "buy"],
        }
    )
    data = build_user_sequences(events)
    features = ItemFeatures(
        Vocab.from_values(["brand:a", "brand:b"]), np.array([[0], [1], [2], [1]])
    )
    model = build_model_for(name, data, features, **SIZES[name])
    config = model.config.to_dict()
    assert config["num_items"] == 3 and config["num_event_types"] == 2
    assert config["use_event_types"] and config["use_side_features"]
    batch = pad_left(data.sequences, [0, 1], model.config.max_len)
    with torch.no_grad():
        scores = model.eval().score_items(**batch)
    assert scores.shape == (2, 4) and torch.isfinite(scores[:, 1:]).all()


def test_bert4rec_mask_row_has_no_side_features() -> None:
    model = _model("bert4rec", use_side_features=True, num_feature_tokens=5, features_per_item=1)
    assert isinstance(model, Bert4Rec)
    table = torch.ones(NUM_ITEMS + 1, 1, dtype=torch.long)
    table[0] = 0
    model.set_item_features(table)
    vectors, items = model.item_representations(), model.embeddings.item.weight
    assert vectors.shape == (NUM_ITEMS + 2, HIDDEN)
    feature = model.embeddings.feature.weight[1]  # type: ignore[union-attr]
    torch.testing.assert_close(vectors[1], items[1] + feature)
    torch.testing.assert_close(vectors[-1], items[-1])  # [MASK]
    assert not model.backbone.embeddings.word_embeddings.weight.requires_grad
