"""The package's public surface: every name in `__all__` resolves, lazily where heavy."""

from __future__ import annotations

import subprocess
import sys

import seqrec_core


def test_every_public_name_resolves() -> None:
    for name in seqrec_core.__all__:
        assert getattr(seqrec_core, name) is not None, name


def test_importing_the_package_does_not_load_torch_or_networkx() -> None:
    """Ingest-only scripts stay quick: the model and graph parts load on first use."""
    code = "import sys, seqrec_core; print('torch' in sys.modules, 'networkx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
