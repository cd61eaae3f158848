"""Checkpoints: exact round trip, and clear refusals of what does not fit this version or
was damaged or edited on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import RunError
from seqrec_core.models import SASRec, SASRecConfig
from seqrec_core.models.checkpoint import (
    CONFIG_FILE,
    VOCAB_FILE,
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


def _edit_json(path: Path, edit: Callable[[dict], object]) -> None:
    values = json.loads(path.read_text())
    path.write_text(json.dumps(edit(values)))


def _set_config(**fields: object) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        _edit_json(folder / CONFIG_FILE, lambda h: {**h, "config": {**h["config"], **fields}})

    return corrupt


def _truncate(folder: Path) -> None:
    data = (folder / WEIGHTS_FILE).read_bytes()
    (folder / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])


CORRUPTIONS = {
    "truncated weights": (_truncate, r"model\.safetensors is not a complete safetensors file"),
    "weights not safetensors": (
        lambda f: (f / WEIGHTS_FILE).write_text("PK not a tensor file"),
        r"model\.safetensors is not a complete safetensors file",
    ),
    "vocab a list": (
        lambda f: (f / VOCAB_FILE).write_text('["a", "b"]'),
        r"vocab\.json holds a JSON list, not an object",
    ),
    "vocab tokens not strings": (
        lambda f: (f / VOCAB_FILE).write_text(json.dumps({"items": [1, 2, None]})),
        r"vocab\.json vocabulary 'items' is not a list of strings",
    ),
    "vocab tokens repeated": (
        lambda f: (f / VOCAB_FILE).write_text(json.dumps({"items": ["a"] * 11})),
        r"vocab\.json has a vocabulary with repeated tokens",
    ),
    "vocab random bytes": (
        lambda f: (f / VOCAB_FILE).write_bytes(bytes(range(128, 256)) * 4),
        r"vocab\.json is not valid JSON",
    ),
    "vocab size off": (
        lambda f: (f / VOCAB_FILE).write_text(json.dumps({"items": list("abc")})),
        r"vocab\.json has 3 items but config\.json's num_items is 11",
    ),
    "config a list": (
        lambda f: (f / CONFIG_FILE).write_text("[2, 3]"),
        r"config\.json holds a JSON list, not an object",
    ),
    "model not a name": (
        lambda f: _edit_json(f / CONFIG_FILE, lambda h: {**h, "model": ["sasrec"]}),
        r"config\.json: unknown model \['sasrec'\]",
    ),
    "string hidden_size": (
        _set_config(hidden_size="6"),
        r"config\.json sets hidden_size to '6', which is not a whole number",
    ),
    "float num_items": (
        _set_config(num_items=1e8),
        r"config\.json sets num_items to 100000000\.0, which is not a whole number",
    ),
    "huge num_items": (
        _set_config(num_items=10**8),
        r"vocab\.json has 11 items but config\.json's num_items is 100,000,000",
    ),
    "negative hidden_size": (_set_config(hidden_size=-6), r"config\.json: .*hidden_size = -6"),
    "required field gone": (
        lambda f: _edit_json(f / CONFIG_FILE, lambda h: {**h, "config": {}}),
        r"config\.json does not describe a SASRecConfig",
    ),
}


@pytest.mark.parametrize(("corrupt", "message"), CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_damaged_or_edited_checkpoint_is_refused_naming_the_file(
    tmp_path: Path, corrupt: Callable[[Path], object], message: str
) -> None:
    """Regression: each of these ended in a traceback (UnicodeDecodeError, TypeError,
    SafetensorError, AttributeError) or, for `num_items: 1e8`, in building a model of
    10⁸ items (> 2 GB) before the weights were looked at."""
    folder, _ = _saved(tmp_path)
    corrupt(folder)
    with pytest.raises(RunError, match=message) as caught:
        load_checkpoint(folder)
    assert str(caught.value).endswith("train the run again")


def test_weights_of_another_size_are_refused_from_the_header_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a config claiming 10⁸ items (with no vocabulary to contradict it) built
    the full model before the weights' shapes were compared."""
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=11, max_len=4, hidden_size=6, num_heads=2))
    folder = save_checkpoint(tmp_path / "best", model)
    _set_config(num_items=10**8)(folder)
    built_for_real: list[int] = []
    real_init = SASRec.__init__

    def spy(self: SASRec, config: SASRecConfig) -> None:
        if torch.empty(0).device.type != "meta":
            built_for_real.append(config.num_items)
        real_init(self, config)

    monkeypatch.setattr(SASRec, "__init__", spy)
    shapes = (
        r"holds embeddings\.item\S* of shape \(12, \d\), but config\.json describes \(100000001,"
    )
    with pytest.raises(RunError, match=shapes):
        load_checkpoint(folder)
    assert built_for_real == []
