"""Checkpoints: exact round trip, and clear refusals of what does not fit this version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import RunError
from seqrec_core.models import SASRec, SASRecConfig
from seqrec_core.models.checkpoint import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    load_checkpoint,
    save_checkpoint,
)

INPUT = torch.tensor([[0, 3, 9, 4], [1, 2, 3, 5]])


def _saved(tmp_path: Path) -> tuple[Path, SASRec]:
    torch.manual_seed(0)
    model = SASRec(
        SASRecConfig(num_items=11, max_len=4, hidden_size=6, num_heads=2, inner_size=10)
    ).eval()
    folder = save_checkpoint(
        tmp_path / "best", model, {"items": Vocab.from_values("abcdefghijk")}, extra={"epoch": 3}
    )
    return folder, model


def test_round_trip_gives_identical_scores(tmp_path: Path) -> None:
    folder, model = _saved(tmp_path)
    loaded = load_checkpoint(folder)
    with torch.no_grad():
        torch.testing.assert_close(
            loaded.model.score_items(INPUT), model.score_items(INPUT), rtol=0, atol=0
        )
    assert loaded.vocabs["items"].tokens[:2] == ("a", "b") and loaded.extra == {"epoch": 3}
    assert not list(tmp_path.glob(".best*"))  # no staging folder left behind


def test_a_checkpoint_of_another_version_is_refused_with_the_fix(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    tensors = load_file(folder / WEIGHTS_FILE)
    tensors["item_embedding.weight"] = tensors.pop("embeddings.item.weight")  # an old name
    save_file(tensors, folder / WEIGHTS_FILE)
    with pytest.raises(RunError, match=r"another version of SeqRec Studio.*train the run again"):
        load_checkpoint(folder)


def test_an_older_format_and_broken_files_are_refused(tmp_path: Path) -> None:
    folder, _ = _saved(tmp_path)
    header = json.loads((folder / CONFIG_FILE).read_text())
    (folder / CONFIG_FILE).write_text(json.dumps({**header, "format": 1}))
    with pytest.raises(RunError, match="format 1"):
        load_checkpoint(folder)
    (folder / CONFIG_FILE).write_text("{not json")
    with pytest.raises(RunError, match="not valid JSON"):
        load_checkpoint(folder)
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(RunError, match=r"missing model\.safetensors"):
        load_checkpoint(folder)
