"""Worker liveness: running, ended but not reaped (a zombie), gone, never started."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seqrec_core.runs.liveness import process_alive


@pytest.mark.skipif(not hasattr(os, "waitid"), reason="needs os.waitid (Linux)")
def test_a_child_is_alive_until_it_ends_even_before_anyone_reaps_it() -> None:
    """Regression: an ended but unreaped worker (a zombie) still answers kill(pid, 0)."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    assert process_alive(child.pid)
    child.stdin.close()  # type: ignore[union-attr]
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has ended; still unreaped
    assert not process_alive(child.pid)


def test_no_pid_is_not_alive() -> None:
    assert not process_alive(None)
    assert not process_alive(0)
    assert not process_alive(2**22 + 12345)  # above Linux's largest pid
