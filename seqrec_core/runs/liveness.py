"""Whether a worker process still runs, portably and without being fooled by zombies."""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int | None) -> bool:
    """Whether process `pid` still runs (a zombie child is reaped and counts as dead)."""
    if not pid or pid <= 0:
        return False
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)  # our own child: reap it if it ended
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child (another app process or a restart started it)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    stat = Path(f"/proc/{pid}/stat")
    if stat.is_file():  # Linux: a zombie (state Z) of another parent is dead as well
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return True
    return True
