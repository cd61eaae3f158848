"""Model checkpoints on disk: safetensors weights, a JSON config and JSON vocabularies.

Nothing is ever pickled, so opening a checkpoint cannot run code. A checkpoint folder is
written next to its final place and renamed into it, so a crash mid-write leaves the
previous checkpoint intact.

Layout: `model.safetensors` (weights and buffers), `config.json`
(`{"format": 2, "model": name, "config": {...}, "extra": {...}}`), `vocab.json` (name →
token list). A checkpoint of another layout `format`, or whose weights no longer fit the
model, is refused with a `RunError` that says to retrain.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from safetensors.torch import save as save_tensors

from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.models import MODELS, Recommender

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
# Version of the checkpoint layout (weight names, config fields); bumped when a model's
# parameters are renamed, so an old checkpoint is refused with a clear message.
FORMAT = 2


def _outdated(folder: Path, detail: str) -> str:
    return (
        f"the model in {folder} was saved by another version of SeqRec Studio and does not "
        f"fit this one ({detail}); train the run again"
    )


@dataclass(frozen=True)
class Checkpoint:
    """A loaded model with its vocabularies and the free-form `extra` saved with it."""

    model: Recommender
    vocabs: dict[str, Vocab]
    extra: dict[str, Any]


def save_checkpoint(
    directory: str | Path,
    model: Recommender,
    vocabs: dict[str, Vocab] | None = None,
    *,
    extra: dict[str, Any] | None = None,
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write `model` (+ vocabularies, + JSON-ready `extra`) to `directory`, replacing it.

    `extra_files` (name → bytes) are written into the same folder before it is published,
    so they appear together with the weights or not at all.

    Returns:
        The checkpoint folder.
    """
    final = Path(directory)
    staging = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(state, staging / WEIGHTS_FILE, metadata={"model": model.name})
    header = {
        "format": FORMAT,
        "model": model.name,
        "config": model.config.to_dict(),
        "extra": extra or {},
    }
    (staging / CONFIG_FILE).write_text(json.dumps(header, indent=2))
    tokens = {name: vocab.to_json() for name, vocab in (vocabs or {}).items()}
    (staging / VOCAB_FILE).write_text(json.dumps(tokens))
    for name, data in (extra_files or {}).items():
        (staging / name).write_bytes(data)
    retired = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    shutil.rmtree(retired, ignore_errors=True)
    return final


def load_checkpoint(directory: str | Path, device: torch.device | str = "cpu") -> Checkpoint:
    """Rebuild a model saved by `save_checkpoint`, in eval mode on `device`.

    Raises:
        RunError: the folder is not a complete checkpoint, or names an unknown model.
    """
    folder = Path(directory)
    missing = [f for f in (WEIGHTS_FILE, CONFIG_FILE, VOCAB_FILE) if not (folder / f).is_file()]
    if missing:
        raise RunError(
            f"{folder} is not a complete model checkpoint (missing {', '.join(missing)}); "
            "train the model again or pick another run"
        )
    try:
        header = json.loads((folder / CONFIG_FILE).read_text())
    except json.JSONDecodeError as error:
        raise RunError(
            f"{folder / CONFIG_FILE} is not valid JSON ({error}); train again"
        ) from error
    if header.get("model") not in MODELS:
        raise RunError(f"{folder / CONFIG_FILE}: unknown model {header.get('model')!r}")
    if header.get("format", 1) != FORMAT:
        raise RunError(
            _outdated(folder, f"format {header.get('format', 1)}, this version reads {FORMAT}")
        )
    config_class, model_class = MODELS[header["model"]]
    try:
        model = model_class(config_class.from_dict(header["config"]))
        model.load_tensors(load_file(folder / WEIGHTS_FILE))
    except (ConfigError, KeyError, RuntimeError, ValueError) as error:
        # Weights that do not fit the model as this version builds it.
        raise RunError(_outdated(folder, str(error).splitlines()[0][:300])) from error
    model.to(device).eval()
    tokens = json.loads((folder / VOCAB_FILE).read_text())
    vocabs = {name: Vocab.from_json(values) for name, values in tokens.items()}
    return Checkpoint(model, vocabs, header.get("extra", {}))


# -- resumable training state ----------------------------------------------------------

STATE_FILE = "train_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"


def _optimizer_tensors(
    optimizer: torch.optim.Optimizer,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimizer's state split into tensors (safetensors) and JSON (the rest)."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, per_param in state["state"].items():
        for name, value in per_param.items():
            if torch.is_tensor(value):
                tensors[f"{index}.{name}"] = value.detach().to("cpu").contiguous()
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def save_train_state(
    directory: str | Path,
    model: Recommender,
    optimizer: torch.optim.Optimizer,
    state: dict[str, Any],
    *,
    extra_tensors: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write everything needed to resume training: weights, optimizer, loop state, RNGs.

    Args:
        directory: the folder (replaced atomically, like a checkpoint).
        model: the model being trained.
        optimizer: its optimizer.
        state: JSON-ready loop state (epoch, best metric, history, NumPy RNG state, ...).
        extra_tensors: other tensors to keep (RNG states, averaged weights), by name.
    """
    tensors, meta = _optimizer_tensors(optimizer)
    tensors.update({f"x.{k}": v.contiguous() for k, v in (extra_tensors or {}).items()})
    files = {
        OPTIMIZER_FILE: save_tensors(tensors),
        STATE_FILE: json.dumps({"optimizer": meta, "state": state}).encode(),
    }
    return save_checkpoint(directory, model, extra={"train_state": True}, extra_files=files)


def load_train_state(
    directory: str | Path, model: Recommender, optimizer: torch.optim.Optimizer
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Restore weights and optimizer saved by `save_train_state` in place.

    Returns:
        The loop state and the extra tensors.

    Raises:
        RunError: the folder holds no complete training state.
    """
    folder = Path(directory)
    if not (folder / STATE_FILE).is_file() or not (folder / OPTIMIZER_FILE).is_file():
        raise RunError(f"{folder} holds no resumable training state; start a new run instead")
    model.load_tensors(load_file(folder / WEIGHTS_FILE))
    saved = json.loads((folder / STATE_FILE).read_text())
    tensors = load_file(folder / OPTIMIZER_FILE)
    per_param: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("x."):
            continue
        index, name = key.split(".", 1)
        per_param.setdefault(int(index), {})[name] = value
    for index, values in saved["optimizer"]["scalars"].items():
        per_param.setdefault(int(index), {}).update(values)
    optimizer.load_state_dict(
        {"state": per_param, "param_groups": saved["optimizer"]["param_groups"]}
    )
    extra = {k.removeprefix("x."): v for k, v in tensors.items() if k.startswith("x.")}
    return saved["state"], extra
