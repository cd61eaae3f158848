"""Model shapes, causal masking, attention kernels and the count baselines' known answers.

Odd sizes on purpose (99 items, length 7, hidden 30 with 3 heads) so shape bugs show.
"""

from __future__ import annotations

import math

import pytest
import torch

from seqrec_core.data.sequences import IGNORE_INDEX
from seqrec_core.errors import ConfigError
from seqrec_core.models import (
    CoocConfig,
    CoocRecommender,
    PopConfig,
    PopRecommender,
    SASRec,
    SASRecConfig,
    build_model,
)
from tests.support.model_batch import odd_sized_batch

NUM_ITEMS, MAX_LEN, HIDDEN, HEADS = 99, 7, 30, 3
BACKBONES = ("bert", "gpt2")


def _sasrec(backbone: str = "bert", **settings: object) -> SASRec:
    torch.manual_seed(0)
    config = SASRecConfig(
        num_items=NUM_ITEMS,
        max_len=MAX_LEN,
        hidden_size=HIDDEN,
        num_heads=HEADS,
        inner_size=34,
        num_layers=2,
        backbone=backbone,
        **settings,  # type: ignore[arg-type]
    )
    return SASRec(config).eval()


@pytest.mark.parametrize("backbone", BACKBONES)
def test_shapes_and_padding_column(backbone: str) -> None:
    model = _sasrec(backbone)
    batch = odd_sized_batch()
    loss = model.train()(batch)
    assert loss.shape == () and math.isfinite(loss.item())
    loss.backward()
    assert model.embeddings.item.weight.grad is not None
    scores = model.eval().score_items(batch["input_ids"], batch["attention_mask"])
    assert scores.shape == (5, NUM_ITEMS + 1)
    assert torch.all(scores[:, 0] == float("-inf"))
    assert torch.isfinite(scores[:, 1:]).all()


@pytest.mark.parametrize("backbone", BACKBONES)
def test_later_items_never_change_earlier_positions(backbone: str) -> None:
    model = _sasrec(backbone)
    input_ids = odd_sized_batch()["input_ids"]
    changed = input_ids.clone()
    changed[:, -1] = torch.tensor([61, 62, 63, 64, 65])
    with torch.no_grad():
        hidden, _ = model.encode(input_ids)
        hidden_changed, _ = model.encode(changed)
    torch.testing.assert_close(hidden[:, :-1], hidden_changed[:, :-1])
    assert not torch.allclose(hidden[:, -1], hidden_changed[:, -1])


@pytest.mark.parametrize("backbone", BACKBONES)
def test_trimming_left_padding_keeps_scores(backbone: str) -> None:
    model = _sasrec(backbone)
    input_ids = odd_sized_batch()["input_ids"][[0, 2]]  # rows with at least 3 padding columns
    with torch.no_grad():
        full = model.score_items(input_ids)
        trimmed = model.score_items(input_ids[:, 3:])
        padded = model.score_items(torch.cat([torch.zeros(2, 4, dtype=torch.long), input_ids], 1))
    torch.testing.assert_close(full[:, 1:], trimmed[:, 1:])
    torch.testing.assert_close(full[:, 1:], padded[:, 1:])  # longer than max_len: cut


@pytest.mark.parametrize("backbone", BACKBONES)
def test_sdpa_and_eager_give_the_same_scores(backbone: str) -> None:
    model = _sasrec(backbone)
    batch = odd_sized_batch()
    with torch.no_grad():
        fast = model.score_items(batch["input_ids"])
        with model.attention_kernel("eager"):
            eager = model.score_items(batch["input_ids"])
        attentions = model.attention_maps(batch["input_ids"])
    assert model.backbone.config._attn_implementation == "sdpa"  # restored
    torch.testing.assert_close(fast[:, 1:], eager[:, 1:], rtol=1e-5, atol=1e-5)
    assert len(attentions) == 2
    mask = batch["attention_mask"].bool()
    for layer in attentions:
        assert layer.shape == (5, HEADS, MAX_LEN, MAX_LEN)
        real = layer[mask.unsqueeze(1).expand(-1, HEADS, -1)]  # (real queries, L)
        torch.testing.assert_close(real.sum(-1), torch.ones(len(real)))
        # Padding queries attend anywhere (their output is never used); real ones never
        # look at later events or at padding.
        future = torch.triu(torch.ones(MAX_LEN, MAX_LEN, dtype=torch.bool), diagonal=1)
        real_query = mask[:, None, :, None]  # (B, 1, L, 1)
        assert torch.all(layer.masked_select(real_query & future) == 0)
        assert torch.all(layer.masked_select(real_query & ~mask[:, None, None, :]) == 0)


def test_event_types_and_side_features_change_scores() -> None:
    batch = odd_sized_batch()
    plain = _sasrec().score_items(batch["input_ids"])
    typed = _sasrec(use_event_types=True, num_event_types=3)
    with torch.no_grad():
        typed_scores = typed.score_items(batch["input_ids"], event_type_ids=batch["event_type_ids"])
    assert not torch.allclose(plain[:, 1:], typed_scores[:, 1:])
    with pytest.raises(ValueError, match="event_type_ids"):
        typed.score_items(batch["input_ids"])
    side = _sasrec(use_side_features=True, num_feature_tokens=5, features_per_item=3)
    table = torch.zeros(NUM_ITEMS + 1, 3, dtype=torch.long)
    table[1:, 0] = torch.arange(NUM_ITEMS) % 5 + 1
    side.set_item_features(table)
    representations = side.item_representations()
    # Items 1 and 6 share feature token 1: its embedding is added to both.
    feature = side.embeddings.feature.weight[1]  # type: ignore[union-attr]
    torch.testing.assert_close(representations[1], side.embeddings.item.weight[1] + feature)
    torch.testing.assert_close(representations[6], side.embeddings.item.weight[6] + feature)


def test_embedding_parts_sum_to_the_scored_input() -> None:
    """Explanations attribute to item/feature/event-type parts; scoring their sum must
    give exactly the model's scores."""
    model = _sasrec(
        use_event_types=True,
        num_event_types=3,
        use_side_features=True,
        num_feature_tokens=5,
        features_per_item=2,
    )
    table = torch.zeros(NUM_ITEMS + 1, 2, dtype=torch.long)
    table[1:, 0] = torch.arange(NUM_ITEMS) % 5 + 1
    model.set_item_features(table)
    batch = odd_sized_batch()
    with torch.no_grad():
        parts = model.input_embeddings(batch["input_ids"], batch["event_type_ids"])
        assert set(parts) == {"item", "features", "event_type"}
        assert all(p.shape == (5, MAX_LEN, HIDDEN) for p in parts.values())
        from_parts = model.scores_from_embeddings(sum(parts.values()), batch["attention_mask"])
        direct = model.score_items(
            **{k: batch[k] for k in ("input_ids", "attention_mask", "event_type_ids")}
        )
    torch.testing.assert_close(from_parts, direct)


def test_sampled_softmax_loss() -> None:
    model = _sasrec(loss="sampled_softmax", num_negatives=13).train()
    loss = model(odd_sized_batch())
    loss.backward()
    assert math.isfinite(loss.item()) and loss.item() > 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hidden_size", 31, "multiple of num_heads"),
        ("dropout", 1.5, "dropout = 1.5"),
        ("loss", "bpr", "loss = 'bpr'"),
        ("num_items", 0, "num_items = 0"),
    ],
)
def test_config_errors_name_the_field(field: str, value: object, message: str) -> None:
    settings: dict[str, object] = {"num_items": NUM_ITEMS, "hidden_size": 30, "num_heads": 3}
    settings[field] = value
    with pytest.raises(ConfigError, match=message):
        SASRecConfig(**settings)  # type: ignore[arg-type]


def test_registry() -> None:
    assert isinstance(build_model("pop", num_items=7), PopRecommender)
    with pytest.raises(ConfigError, match="unknown model"):
        build_model("deepfm", num_items=7)
    with pytest.raises(ConfigError, match="no field"):
        build_model("pop", num_items=7, hidden_size=3)


def _fit(model: PopRecommender | CoocRecommender) -> None:
    # Sequences [1 2 3], [2 3], [3 1 2 3]: 3 follows 2 three times, 1 follows 3 once.
    offsets = torch.tensor([0, 3, 5, 9])
    items = torch.tensor([1, 2, 3, 2, 3, 3, 1, 2, 3])
    model.fit(offsets, items)


def test_pop_ranks_by_training_count() -> None:
    model = PopRecommender(PopConfig(num_items=5))
    _fit(model)
    scores = model.score_items(torch.tensor([[1, 2], [0, 4]]))
    assert scores.shape == (2, 6)
    assert scores[0, 0] == float("-inf")
    assert scores[0].argsort(descending=True)[:3].tolist() == [3, 2, 1]
    # counts 2, 3, 4, 0, 0 plus 1 smoothing each over a total of 14.
    torch.testing.assert_close(scores[0, 3].exp(), torch.tensor(5 / 14))
    labels = torch.tensor([[IGNORE_INDEX, 3]])
    loss = model({"input_ids": torch.tensor([[0, 2]]), "labels": labels})
    torch.testing.assert_close(loss, -torch.tensor(5 / 14).log())


def test_cooc_follows_transitions_then_popularity() -> None:
    model = CoocRecommender(CoocConfig(num_items=5, smoothing=0.5))
    _fit(model)
    scores = model.score_items(torch.tensor([[0, 2], [0, 3], [0, 5]]))
    assert scores[0].argmax().item() == 3  # 2 → 3, three times
    assert scores[1].argmax().item() == 1  # 3 → 1 once
    # Item 5 was never followed by anything: popularity order (3, 2, 1).
    assert scores[2].argsort(descending=True)[:3].tolist() == [3, 2, 1]
    # p(3 | 2) = (3 + 0.5 · 5/14) / (3 + 0.5): counts 2, 3, 4, 0, 0 + 1 → popularity 5/14.
    torch.testing.assert_close(scores[0, 3].exp(), torch.tensor((3 + 0.5 * 5 / 14) / 3.5))
    torch.testing.assert_close(scores[0, 1:].exp().sum(), torch.tensor(1.0))
    labels = torch.tensor([[IGNORE_INDEX, 3]])
    loss = model({"input_ids": torch.tensor([[0, 2]]), "labels": labels})
    torch.testing.assert_close(loss, -scores[0, 3])


def test_cooc_window_mixes_recent_items() -> None:
    model = CoocRecommender(CoocConfig(num_items=5, window=2, decay=0.2))
    _fit(model)
    single = CoocRecommender(CoocConfig(num_items=5))
    _fit(single)
    context = torch.tensor([[2, 3]])
    assert not torch.allclose(model.score_items(context), single.score_items(context))
    assert model.score_items(context)[0].argmax().item() == 1  # newest item (3 → 1) leads


def test_scoring_reuses_the_feature_table_only_while_nothing_changed() -> None:
    """The mean side-feature table is cached for scoring without gradients; an in-place
    weight update (an optimizer step, a checkpoint load) or new features must refresh it."""
    model = _sasrec(use_side_features=True, num_feature_tokens=5, features_per_item=2)
    table = torch.zeros(NUM_ITEMS + 1, 2, dtype=torch.long)
    table[1:, 0] = torch.arange(NUM_ITEMS) % 5 + 1
    model.set_item_features(table)
    input_ids = odd_sized_batch()["input_ids"]
    with torch.no_grad():
        first = model.score_items(input_ids)
        assert torch.equal(model.score_items(input_ids), first)
        model.embeddings.feature.weight.add_(0.5)
        moved = model.score_items(input_ids)
    assert not torch.allclose(moved, first)
    with torch.enable_grad():
        fresh = model.score_items(input_ids).detach()  # recomputed, never cached
    torch.testing.assert_close(moved, fresh)
    table[1:, 1] = 3
    model.set_item_features(table)
    with torch.no_grad():
        assert not torch.allclose(model.score_items(input_ids), moved)
