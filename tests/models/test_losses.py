"""The shared next-item loss (full and sampled softmax) and how a run's loss is chosen."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from seqrec_core.data.prepare import build_model_for
from seqrec_core.data.sequences import build_user_sequences
from seqrec_core.errors import ConfigError
from seqrec_core.models import build_model
from seqrec_core.models.loss_choice import SAMPLED_SOFTMAX_ABOVE, auto_loss, choose_loss
from seqrec_core.models.losses import next_item_loss
from tests.support.model_batch import odd_sized_batch

TRAINABLE = ("sasrec", "bert4rec", "gru4rec")


@dataclass(frozen=True)
class TableItems:
    """`losses.OutputItems` over a ready (N, H) table."""

    table: torch.Tensor

    @property
    def num_items(self) -> int:
        """N."""
        return self.table.shape[0]

    def real_table(self) -> torch.Tensor:
        """The table."""
        return self.table

    def real_rows(self, columns: torch.Tensor) -> torch.Tensor:
        """The table's rows at `columns`."""
        return self.table[columns]


def _inputs(items: int = 40, positions: int = 6, width: int = 8) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(0)
    states = torch.randn(positions, width, generator=generator)
    table = torch.randn(items, width, generator=generator)
    targets = torch.randint(0, items, (positions,), generator=generator)
    return states, targets, table


def test_full_softmax_is_cross_entropy_over_every_item() -> None:
    states, targets, table = _inputs()
    bias = torch.linspace(-1, 1, len(table))
    loss = next_item_loss(states, targets, TableItems(table), loss="ce", num_negatives=5, bias=bias)
    torch.testing.assert_close(loss, F.cross_entropy(states @ table.T + bias, targets))


def test_sampled_softmax_scores_the_target_against_the_drawn_negatives() -> None:
    states, targets, table = _inputs()
    torch.manual_seed(3)
    loss = next_item_loss(
        states, targets, TableItems(table), loss="sampled_softmax", num_negatives=7
    )
    torch.manual_seed(3)
    negatives = torch.randint(0, len(table), (7,))
    logits = torch.cat(
        [(states * table[targets]).sum(1, keepdim=True), states @ table[negatives].T], 1
    )
    logits[:, 1:][negatives.unsqueeze(0) == targets.unsqueeze(1)] = float("-inf")
    torch.testing.assert_close(loss, F.cross_entropy(logits, torch.zeros_like(targets)))


def test_a_negative_that_is_the_target_or_not_allowed_never_counts() -> None:
    states, _, table = _inputs(items=3)
    targets = torch.zeros(len(states), dtype=torch.long)  # every position's target is item 0
    allowed = torch.tensor([True, True, False])
    table[2] = 100 * states.mean(0)  # would dominate every softmax if it were scored
    torch.manual_seed(0)
    sampled = next_item_loss(
        states,
        targets,
        TableItems(table),
        loss="sampled_softmax",
        num_negatives=200,
        allowed=allowed,
    )
    # With 200 draws over 3 items item 1 is drawn: the loss is over {target, item 1} only,
    # item 1 counted as many times as it was drawn.
    torch.manual_seed(0)
    drawn = int((torch.randint(0, 3, (200,)) == 1).sum())
    two = torch.stack([(states * table[0]).sum(1), (states * table[1]).sum(1)], 1)
    expected = -(
        two[:, 0] - torch.logsumexp(torch.cat([two[:, :1], two[:, 1:] + math.log(drawn)], 1), 1)
    )
    torch.testing.assert_close(sampled, expected.mean())
    full = next_item_loss(
        states, targets, TableItems(table), loss="ce", num_negatives=1, allowed=allowed
    )
    torch.testing.assert_close(full, F.cross_entropy(two, targets))


def test_mixed_softmax_corrects_each_negative_by_its_expected_count_among_the_negatives() -> None:
    states, _, table = _inputs()
    targets = torch.tensor([3, 3, 3, 3, 7, 11])  # item 3 is two thirds of the step's targets
    torch.manual_seed(5)
    loss = next_item_loss(states, targets, TableItems(table), loss="mixed_softmax", num_negatives=9)
    torch.manual_seed(5)
    picked = torch.randint(0, len(targets), (4,))  # 9 // 2 from the targets, then 5 uniform
    negatives = torch.cat([targets[picked], torch.randint(0, len(table), (5,))])

    def log_expected(item: int) -> float:
        return math.log(4 * int((targets == item).sum()) / len(targets) + 5 / len(table))

    rows = []
    for state, target in zip(states, targets.tolist(), strict=True):
        scores = [float(state @ table[target])]  # scored once whatever the draw
        scores += [
            float(state @ table[n]) - log_expected(n) if n != target else float("-inf")
            for n in negatives.tolist()
        ]
        rows.append(scores)
    expected = F.cross_entropy(torch.tensor(rows), torch.zeros_like(targets))
    torch.testing.assert_close(loss, expected)


def test_mixed_softmax_with_many_draws_is_the_full_softmax() -> None:
    # With the log-Q correction the draws stand for the rest of the catalog in proportion:
    # with enough of them the loss is the full cross-entropy (uncorrected, each item would
    # count as often as it was drawn and the loss would sit far above it).
    states, _, table = _inputs(items=40, positions=12)
    targets = torch.tensor([0] * 8 + [5, 9, 17, 33])
    torch.manual_seed(0)
    mixed = next_item_loss(
        states, targets, TableItems(table), loss="mixed_softmax", num_negatives=400_000
    )
    full = F.cross_entropy(states @ table.T, targets)
    assert abs(mixed.item() - full.item()) < 0.02


@pytest.mark.parametrize("loss", ["sampled_softmax", "mixed_softmax"])
@pytest.mark.parametrize("name", TRAINABLE)
def test_every_trainable_model_trains_with_the_sampled_softmax(name: str, loss: str) -> None:
    torch.manual_seed(0)
    model = build_model(name, num_items=99, max_len=7, loss=loss, num_negatives=13)
    loss = model.train()(odd_sized_batch())
    loss.backward()
    assert math.isfinite(loss.item()) and loss.item() > 0
    assert model.embeddings.item.weight.grad is not None


def test_an_unknown_loss_names_the_field() -> None:
    with pytest.raises(ConfigError, match="loss = 'bpr'"):
        build_model("gru4rec", num_items=9, loss="bpr")


def test_the_mixed_sampled_softmax_is_chosen_above_the_threshold_and_the_user_wins() -> None:
    assert auto_loss(SAMPLED_SOFTMAX_ABOVE) == "ce"
    assert auto_loss(SAMPLED_SOFTMAX_ABOVE + 1) == "mixed_softmax"
    chosen = choose_loss(SAMPLED_SOFTMAX_ABOVE + 1, {})
    assert chosen.automatic and "what other shoppers picked next" in chosen.sentence()
    assert f"{SAMPLED_SOFTMAX_ABOVE:,}" in chosen.sentence()
    kept = choose_loss(SAMPLED_SOFTMAX_ABOVE + 1, {"loss": "ce"})
    assert kept.loss == "ce" and not kept.automatic
    mixed = choose_loss(12_101, {"loss": "mixed_softmax", "num_negatives": 64})
    assert not mixed.automatic and "64 products" in mixed.sentence()
    assert "what other shoppers picked next" in mixed.sentence()
    assert (
        choose_loss(12_101, {})
        .to_dict()["reason"]
        .startswith("Training compares each next product with every product")
    )


def test_build_model_for_picks_the_loss_from_the_catalog_size() -> None:
    count = SAMPLED_SOFTMAX_ABOVE + 1
    events = pd.DataFrame(
        {
            "user_id": np.repeat(["a", "b"], [count - count // 2, count // 2]),
            "item_id": [f"p{i}" for i in range(count)],
            "timestamp": pd.date_range("2026-01-01", periods=count, freq="s"),
        }
    )
    data = build_user_sequences(events)
    big = build_model_for("gru4rec", data, embedding_size=4, hidden_size=4)
    assert big.config.loss == "mixed_softmax"
    assert build_model_for("gru4rec", data, loss="ce", embedding_size=4).config.loss == "ce"
    small = build_user_sequences(events.head(100))
    assert build_model_for("sasrec", small).config.loss == "ce"
