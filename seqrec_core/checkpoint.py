"""Model checkpoints on disk: safetensors weights, a JSON config and JSON vocabularies.

Nothing is ever pickled, so opening a checkpoint cannot run code. A checkpoint folder is
written next to its final place and renamed into it, so a crash mid-write leaves the
previous checkpoint intact.

Layout: `model.safetensors` (weights and buffers), `config.json`
(`{"model": name, "config": {...}, "extra": {...}}`), `vocab.json` (name → token list).
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

from seqrec_core.errors import RunError
from seqrec_core.models import MODELS, Recommender
from seqrec_core.vocab import Vocab

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"


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
) -> Path:
    """Write `model` (+ vocabularies, + JSON-ready `extra`) to `directory`, replacing it.

    Returns:
        The checkpoint folder.
    """
    final = Path(directory)
    staging = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    save_file(state, staging / WEIGHTS_FILE, metadata={"model": model.name})
    header = {"model": model.name, "config": model.config.to_dict(), "extra": extra or {}}
    (staging / CONFIG_FILE).write_text(json.dumps(header, indent=2))
    tokens = {name: vocab.to_json() for name, vocab in (vocabs or {}).items()}
    (staging / VOCAB_FILE).write_text(json.dumps(tokens))
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
    header = json.loads((folder / CONFIG_FILE).read_text())
    if header.get("model") not in MODELS:
        raise RunError(f"{folder / CONFIG_FILE}: unknown model {header.get('model')!r}")
    config_class, model_class = MODELS[header["model"]]
    model = model_class(config_class.from_dict(header["config"]))
    model.load_tensors(load_file(folder / WEIGHTS_FILE))
    model.to(device).eval()
    tokens = json.loads((folder / VOCAB_FILE).read_text())
    vocabs = {name: Vocab.from_json(values) for name, values in tokens.items()}
    return Checkpoint(model, vocabs, header.get("extra", {}))
