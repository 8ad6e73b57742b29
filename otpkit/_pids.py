"""Whether a process has ended, for servers that stop with their run and for the sweep."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["process_ended"]


def process_ended(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie nobody has reaped yet counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # Linux: a killed parent stays a zombie until its own parent reaps it
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
