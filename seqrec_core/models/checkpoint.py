"""Model checkpoints on disk: safetensors weights, a JSON config and JSON vocabularies.

Nothing is ever pickled, so opening a checkpoint cannot run code. A checkpoint folder is
written next to its final place and renamed into it, so a crash mid-write leaves the
previous checkpoint intact.

Layout: `model.safetensors` (weights and buffers), `config.json`
(`{"format": 2, "model": name, "config": {...}, "extra": {...}}`), `vocab.json` (name →
token list). A checkpoint of another layout `format`, or whose weights no longer fit the
model, is refused with a `RunError` that says to retrain.

The files are checked before any model is built, since a checkpoint may be truncated,
corrupted or edited by hand: both JSON files' structure and types, each vocabulary's size
against the config, and every weight's shape (read from the safetensors header alone)
against a copy of the model built on the `meta` device, which allocates nothing. So a
config that claims 10⁸ items fails with a message, not a 25 GB allocation. Every failure
is a `RunError` that names the file, what is wrong and the fix (train the run again).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file
from safetensors.torch import save as save_tensors

from seqrec_core.data.vocab import Vocab
from seqrec_core.errors import ConfigError, RunError
from seqrec_core.models import MODELS, ModelConfig, Recommender

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
# Version of the checkpoint layout (weight names, config fields); bumped when a model's
# parameters are renamed, so an old checkpoint is refused with a clear message.
FORMAT = 2
# How a config field's type reads in a message.
_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}
# Vocabulary name → the config field that sizes its embedding table (padding excluded).
_VOCAB_SIZES = {
    "items": "num_items",
    "event_types": "num_event_types",
    "features": "num_feature_tokens",
}


def _outdated(folder: Path, detail: str) -> str:
    return (
        f"the model in {folder} was saved by another version of SeqRec Studio and does not "
        f"fit this one ({detail}); train the run again"
    )


def _damaged(path: Path, problem: str) -> RunError:
    return RunError(
        f"{path} {problem}: the checkpoint is damaged or was edited; train the run again"
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

    Every file is checked before the model is built (see the module docstring).

    Raises:
        RunError: the folder is not a complete checkpoint, names an unknown model, was
            saved by another version, or holds a damaged or hand-edited file.
    """
    folder = Path(directory)
    missing = [f for f in (WEIGHTS_FILE, CONFIG_FILE, VOCAB_FILE) if not (folder / f).is_file()]
    if missing:
        raise RunError(
            f"{folder} is not a complete model checkpoint (missing {', '.join(missing)}); "
            "train the model again or pick another run"
        )
    header = _read_header(folder)
    config_class, model_class = MODELS[header["model"]]
    config = _read_config(folder, config_class, header["config"])
    vocabs = _read_vocabs(folder / VOCAB_FILE)
    _check_vocab_sizes(folder / VOCAB_FILE, config, vocabs)
    _check_weight_shapes(folder, model_class, config)
    model = model_class(config)
    try:
        model.load_tensors(_load_tensors(folder / WEIGHTS_FILE))
    except (KeyError, RuntimeError, ValueError) as error:
        # Weights that do not fit the model as this version builds it.
        raise RunError(_outdated(folder, str(error).splitlines()[0][:300])) from error
    model.to(device).eval()
    return Checkpoint(model, vocabs, header["extra"])


def _read_json(path: Path) -> Any:
    """The parsed content of a JSON file; RunError naming the file if it is not JSON."""
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _damaged(path, f"is not valid JSON ({str(error)[:200]})") from error


def _read_header(folder: Path) -> dict[str, Any]:
    """config.json, checked: a known model, this layout `format`, `config` and `extra`
    objects (`extra` defaults to empty)."""
    path = folder / CONFIG_FILE
    header = _read_json(path)
    if not isinstance(header, dict):
        raise _damaged(path, f"holds a JSON {type(header).__name__}, not an object")
    model = header.get("model")
    if not isinstance(model, str) or model not in MODELS:
        raise RunError(f"{path}: unknown model {model!r}; train the run again")
    if header.get("format", 1) != FORMAT:
        raise RunError(
            _outdated(folder, f"format {header.get('format', 1)}, this version reads {FORMAT}")
        )
    header.setdefault("extra", {})
    for key in ("config", "extra"):
        if not isinstance(header.get(key), dict):
            raise _damaged(path, f"has no {key!r} object")
    return header


def _read_config(
    folder: Path, config_class: type[ModelConfig], values: dict[str, Any]
) -> ModelConfig:
    """The model config from config.json's `config`, each field of its declared type."""
    path = folder / CONFIG_FILE
    types = typing.get_type_hints(config_class)
    for name, value in values.items():
        if name in types and not _has_type(value, types[name]):
            kind = _KINDS.get(types[name], str(types[name]))
            raise _damaged(path, f"sets {name} to {repr(value)[:60]}, which is not {kind}")
    try:
        return config_class.from_dict(values)
    except TypeError as error:  # a required field is missing
        raise _damaged(path, f"does not describe a {config_class.__name__}: {error}") from error
    except ConfigError as error:  # an unknown field or a value out of range
        raise RunError(
            f"{path}: {error}; the model was saved by another version of SeqRec Studio or "
            "edited: train the run again"
        ) from error


def _has_type(value: Any, expected: Any) -> bool:
    """Whether a JSON value fits a config field's type (no bools for numbers, finite floats)."""
    if expected is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return not isinstance(expected, type) or isinstance(value, expected)


def _read_vocabs(path: Path) -> dict[str, Vocab]:
    """vocab.json: an object of vocabulary name → list of unique strings."""
    tokens = _read_json(path)
    if not isinstance(tokens, dict):
        raise _damaged(path, f"holds a JSON {type(tokens).__name__}, not an object")
    for name, values in tokens.items():
        if not isinstance(values, list) or not all(isinstance(t, str) for t in values):
            raise _damaged(path, f"vocabulary {name!r} is not a list of strings")
    try:
        return {name: Vocab.from_json(values) for name, values in tokens.items()}
    except ValueError as error:  # repeated tokens
        raise _damaged(path, f"has a vocabulary with repeated tokens ({error})") from error


def _check_vocab_sizes(path: Path, config: ModelConfig, vocabs: dict[str, Vocab]) -> None:
    """Each vocabulary fits its embedding table: the items exactly (an index is an item),
    event types and side features at most (larger vocabularies would index past it)."""
    for name, field in _VOCAB_SIZES.items():
        size = getattr(config, field, 0)
        if name not in vocabs or not size:
            continue
        tokens = vocabs[name].num_tokens
        if tokens > size or (name == "items" and tokens != size):
            raise _damaged(path, f"has {tokens:,} {name} but config.json's {field} is {size:,}")


def _check_weight_shapes(folder: Path, model_class: type[Recommender], config: ModelConfig) -> None:
    """The weights' names and shapes (from the safetensors header) are the model's.

    The model is built on the `meta` device, so a config that asks for a huge model costs
    nothing here. A dimension the fresh model leaves empty (0) depends on the training
    data (the co-occurrence counts) and may have any size.
    """
    path = folder / WEIGHTS_FILE
    saved = _saved_shapes(path)
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in model_class(config).state_dict().items()}
    if saved.keys() != expected.keys():
        missing = sorted(expected.keys() - saved.keys())[:3]
        unexpected = sorted(saved.keys() - expected.keys())[:3]
        raise RunError(_outdated(folder, f"missing {missing}, unexpected {unexpected}"))
    for name, shape in expected.items():
        fits = len(shape) == len(saved[name]) and all(
            want in (0, got) for want, got in zip(shape, saved[name], strict=True)
        )
        if not fits:
            raise _damaged(
                path, f"holds {name} of shape {saved[name]}, but config.json describes {shape}"
            )


def _saved_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Name → shape of every tensor in a safetensors file, from its header alone."""
    try:
        with safe_open(path, framework="pt") as weights:
            names = weights.keys()  # the handle itself is not iterable
            return {name: tuple(weights.get_slice(name).get_shape()) for name in names}
    except SafetensorError as error:
        raise _damaged(path, f"is not a complete safetensors file ({error})") from error


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file; RunError naming the file if it is damaged."""
    try:
        return load_file(path)
    except SafetensorError as error:
        raise _damaged(path, f"is not a complete safetensors file ({error})") from error


# -- resumable training state ----------------------------------------------------------

STATE_FILE = "train_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"


def optimizer_tensors(
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
    tensors, meta = optimizer_tensors(optimizer)
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
    model.load_tensors(_load_tensors(folder / WEIGHTS_FILE))
    saved = _read_json(folder / STATE_FILE)
    tensors = _load_tensors(folder / OPTIMIZER_FILE)
    own = {k: v for k, v in tensors.items() if not k.startswith("x.")}
    load_optimizer(optimizer, own, saved["optimizer"])
    extra = {k.removeprefix("x."): v for k, v in tensors.items() if k.startswith("x.")}
    return saved["state"], extra


def load_optimizer(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict[str, Any]
) -> None:
    """Put back an optimizer's state split by `optimizer_tensors`."""
    per_param: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        per_param.setdefault(int(index), {})[name] = value
    for index, values in meta["scalars"].items():
        per_param.setdefault(int(index), {}).update(values)
    optimizer.load_state_dict({"state": per_param, "param_groups": meta["param_groups"]})
