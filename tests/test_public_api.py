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


def test_the_ingest_function_does_not_hide_the_ingest_package(tmp_path) -> None:
    """Regression: re-exporting the `ingest` function at the root shadowed the `ingest`
    subpackage, so `import seqrec_core.ingest.pipeline as p` raised ImportError."""
    code = (
        "import seqrec_core.ingest.pipeline as pipeline, seqrec_core\n"
        "from seqrec_core import Workspace, ingest\n"
        f"path = {str(tmp_path / 'e.csv')!r}\n"
        "open(path, 'w').write('user_id,item_id,timestamp\\nu1,i1,2024-01-01\\n')\n"
        f"result = ingest(path, Workspace.open({str(tmp_path / 'ws')!r}), 'one')\n"
        "print(result.report.rows_accepted, ingest is seqrec_core.ingest, callable(pipeline.ingest))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "True", "True"]
