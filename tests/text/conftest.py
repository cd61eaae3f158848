"""One extracted, loaded bundled encoder for the text tests (loading it takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqrec_core.text.encoder import SentenceEncoder, load_encoder
from seqrec_core.text.encoder_files import EncoderFiles, bundled_encoder


@pytest.fixture(scope="session")
def encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("encoders")


@pytest.fixture(scope="session")
def bundled_files(encoder_dir: Path) -> EncoderFiles:
    return bundled_encoder(encoder_dir)


@pytest.fixture(scope="session")
def encoder(bundled_files: EncoderFiles) -> SentenceEncoder:
    return load_encoder(bundled_files, device="cpu")
