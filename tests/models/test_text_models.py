"""Text-aware sequence models: item text through a projection, bounded id part, new items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqrec_core.data.prepare import build_model_for, prepare_frames
from seqrec_core.errors import ConfigError
from seqrec_core.models import build_model
from seqrec_core.models.checkpoint import load_checkpoint, save_checkpoint
from seqrec_core.text.item_vectors import ItemTextVectors
from seqrec_core.training.config import TrainConfig
from seqrec_core.training.loop import train
from tests.support.model_batch import odd_sized_batch

TEXT_MODELS = ("sasrec", "bert4rec", "gru4rec")
NUM_ITEMS, TEXT_DIM = 20, 8


def _text_model(name: str, item_input: str = "text+id", **settings: object):
    model = build_model(
        name,
        num_items=NUM_ITEMS,
        max_len=10,
        item_input=item_input,
        text_dim=TEXT_DIM,
        **settings,
    )
    generator = torch.Generator().manual_seed(0)
    vectors = torch.randn(NUM_ITEMS + 1, TEXT_DIM, generator=generator)
    has_text = torch.ones(NUM_ITEMS + 1, dtype=torch.bool)
    has_text[[0, 5]] = False  # padding, and an item without text
    model.set_item_text(vectors, has_text)
    return model


@pytest.mark.parametrize("name", TEXT_MODELS)
@pytest.mark.parametrize("item_input", ["text+id", "text"])
def test_text_models_score_every_item_and_learn(name: str, item_input: str) -> None:
    model = _text_model(name, item_input)
    batch = odd_sized_batch()
    batch = {k: v.clamp(max=NUM_ITEMS) if k != "labels" else v for k, v in batch.items()}
    batch["labels"] = torch.where(batch["labels"] > 0, batch["labels"].clamp(max=NUM_ITEMS), -100)
    batch.pop("event_type_ids", None)
    loss = model(batch)
    loss.backward()
    assert torch.isfinite(loss)
    assert model.embeddings.text_proj.weight.grad is not None
    model.eval()
    scores = model.score_items(batch["input_ids"], batch["attention_mask"])
    assert scores.shape == (batch["input_ids"].shape[0], NUM_ITEMS + 1)
    assert torch.isinf(scores[:, 0]).all() and torch.isfinite(scores[:, 1:]).all()


def test_the_id_part_is_capped_and_missing_for_new_or_text_only_items() -> None:
    model = _text_model("sasrec", id_delta_norm=0.05).eval()  # eval: no id dropout
    embeddings = model.embeddings
    with torch.no_grad():
        embeddings.item.weight.mul_(100.0)  # ids far longer than the cap
    trained = torch.ones(NUM_ITEMS + 1, dtype=torch.bool)
    trained[7] = False  # a new product: no training events
    model.set_trained_items(trained)
    ids = embeddings._id_rows(None)
    norms = ids.norm(dim=1).detach()
    assert float(norms[1]) == pytest.approx(0.05, rel=1e-4)  # capped: it has text
    assert norms[5] > 1.0  # no text: the id embedding is all it has
    assert norms[7] == 0.0  # new: its vector is its projected text alone
    table = model.item_representations()
    expected = embeddings.text_proj(embeddings.text_vectors[7])
    torch.testing.assert_close(table[7], expected)
    only_text = _text_model("sasrec", "text")
    assert only_text.embeddings._id_rows(None)[1].abs().sum() == 0
    parts = model.input_embeddings(torch.tensor([[0, 7, 1]]))
    assert set(parts) == {"item", "text"}
    torch.testing.assert_close(sum(parts.values())[0, 1], table[7])


def test_new_items_are_left_out_of_the_training_softmax() -> None:
    model = _text_model("gru4rec")
    trained = torch.ones(NUM_ITEMS + 1, dtype=torch.bool)
    trained[3] = False
    model.set_trained_items(trained)
    allowed = model.embeddings.candidate_mask()
    assert allowed is not None and allowed.tolist() == [i != 2 for i in range(NUM_ITEMS)]
    assert build_model("gru4rec", num_items=NUM_ITEMS).embeddings.candidate_mask() is None


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_a_checkpoint_keeps_the_text_vectors(name: str, tmp_path: Path) -> None:
    model = _text_model(name).eval()
    save_checkpoint(tmp_path / "best", model)
    loaded = load_checkpoint(tmp_path / "best").model
    assert loaded.config.item_input == "text+id" and loaded.config.text_dim == TEXT_DIM
    torch.testing.assert_close(loaded.embeddings.text_vectors, model.embeddings.text_vectors)
    ids = torch.tensor([[0, 1, 2, 3]])
    torch.testing.assert_close(loaded.score_items(ids), model.score_items(ids))


def test_a_text_setting_without_text_vectors_is_refused() -> None:
    data = prepare_frames(_chain_events(), _chain_catalog()).data
    with pytest.raises(ConfigError, match="needs item text"):
        build_model_for("sasrec", data, item_input="text+id", text_dim=4)
    with pytest.raises(ConfigError, match="text_dim"):
        build_model("sasrec", num_items=3, item_input="text")


def _chain_catalog() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["tent", "stove", "mug", "lamp", "lantern"],
            "title": ["tent", "stove", "mug", "lamp", "lantern"],
        }
    )


def _chain_events() -> pd.DataFrame:
    """40 shoppers: tent → stove → mug, or tent → lamp; `lantern` is never bought."""
    rows = []
    for user in range(40):
        path = ["tent", "stove", "mug"] if user % 2 else ["tent", "lamp", "tent", "lamp"]
        rows += [
            (f"u{user}", item, f"2026-01-01T00:{step:02d}:00Z") for step, item in enumerate(path)
        ]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])


def test_a_new_item_whose_text_matches_a_bought_one_is_recommended() -> None:
    """`lantern` has no event at all; its text is (nearly) the text of `lamp`."""
    catalog = _chain_catalog()
    prepared = prepare_frames(_chain_events(), catalog, item_text=True)
    items = prepared.data.items
    assert "lantern" in items  # in the vocabulary from the catalog alone
    rng = np.random.default_rng(0)
    basis = {name: rng.normal(size=16) for name in ("tent", "stove", "mug", "lamp")}
    basis["lantern"] = basis["lamp"] + 0.05 * rng.normal(size=16)
    matrix = np.zeros((items.size, 16), dtype=np.float32)
    for name, vector in basis.items():
        matrix[items.index(name)] = vector / np.linalg.norm(vector)
    has_text = np.ones(items.size, dtype=bool)
    has_text[0] = False
    text = ItemTextVectors("test", "k", matrix, has_text)
    trained = prepared.trained_items()
    assert not trained[items.index("lantern")]
    torch.manual_seed(0)
    model = build_model_for(
        "sasrec",
        prepared.data,
        text=text,
        trained_items=trained,
        hidden_size=16,
        num_heads=1,
        inner_size=32,
        dropout=0.0,
        attention_dropout=0.0,
        max_len=5,
    )
    train(model, prepared.split, TrainConfig(epochs=60, patience=60, device="cpu", seed=0))
    model.eval()
    history = torch.tensor([[items.index("tent")]])
    scores = model.score_items(history)[0]
    order = [items.tokens[i - 1] for i in scores.argsort(descending=True)[:3].tolist()]
    # After a tent, shoppers buy a lamp or a stove; the lantern reads like the lamp.
    assert "lantern" in order
    assert scores[items.index("lantern")] > scores[items.index("mug")]
    id_only = build_model_for("sasrec", prepared.data, max_len=5, hidden_size=16, num_heads=1)
    assert id_only.config.item_input == "id"


def test_id_dropout_drops_id_parts_only_in_training() -> None:
    model = _text_model("sasrec", id_delta_norm=0.0, id_dropout=0.5)
    embeddings = model.embeddings
    torch.manual_seed(0)
    model.train()
    norms = embeddings._id_rows(None).norm(dim=1).detach()
    dropped = norms[1 : NUM_ITEMS + 1] == 0
    assert 0 < int(dropped.sum()) < NUM_ITEMS
    assert norms[5] > 0  # item 5 has no text: its id part is all it has, never dropped
    model.eval()
    assert (embeddings._id_rows(None).norm(dim=1)[1:] > 0).all()


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_rows_equal_the_table_for_text_features_and_special_tokens(name: str) -> None:
    model = _text_model(
        name, id_delta_norm=0.05, use_side_features=True, num_feature_tokens=6, features_per_item=2
    ).eval()
    features = torch.zeros(NUM_ITEMS + 1, 2, dtype=torch.long)
    features[1:, 0] = torch.arange(NUM_ITEMS) % 6 + 1
    features[3:, 1] = 2
    model.set_item_features(features)
    trained = torch.ones(NUM_ITEMS + 1, dtype=torch.bool)
    trained[7] = False
    model.set_trained_items(trained)
    embeddings = model.embeddings
    rows = embeddings.item.num_embeddings  # BERT4Rec's [MASK] included
    index = torch.tensor([[rows - 1, 0, 7, 5, 1, 7]])
    with torch.no_grad():
        table = embeddings.table()
    built = embeddings.rows(index)  # gradients on: built for these rows alone
    torch.testing.assert_close(built, table[index])
    parts = embeddings.parts(index)
    torch.testing.assert_close(sum(parts.values()), built)
    assert set(parts) == {"item", "text", "features"}
    torch.testing.assert_close(embeddings.real_rows(index - 1), table[index])


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_a_sampled_step_never_builds_the_whole_table(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _text_model(name, loss="sampled_softmax", num_negatives=4).train()
    batch = odd_sized_batch()
    batch = {k: v.clamp(max=NUM_ITEMS) for k, v in batch.items() if k != "event_type_ids"}
    batch["labels"] = torch.where(batch["input_ids"] > 0, batch["labels"], -100)
    built: list[int] = []
    rows = type(model.embeddings)._parts_rows

    def spy(self, index=None):
        built.append(-1 if index is None else index.numel())
        return rows(self, index)

    monkeypatch.setattr(type(model.embeddings), "_parts_rows", spy)
    model(batch).backward()
    assert built and -1 not in built  # only the batch's, targets' and negatives' rows
    assert max(built) <= NUM_ITEMS
    assert model.embeddings.text_proj.weight.grad is not None


def test_an_id_dropped_in_a_step_is_dropped_everywhere_in_that_step() -> None:
    model = _text_model("sasrec", id_delta_norm=0.0, id_dropout=0.5).train()
    embeddings = model.embeddings
    index = torch.arange(1, NUM_ITEMS + 1)
    torch.manual_seed(0)
    first = embeddings._id_rows(index).norm(dim=1) == 0
    again = embeddings._id_rows(index.flip(0)).flip(0).norm(dim=1) == 0
    assert torch.equal(first, again) and 0 < int(first.sum()) < NUM_ITEMS
    draws = []
    for _ in range(5):
        with torch.no_grad():
            embeddings.item.weight.add_(0.01)  # what an optimizer step does: a new draw
        draws.append(embeddings._id_rows(index).norm(dim=1) == 0)
    assert any(not torch.equal(first, d) for d in draws)
