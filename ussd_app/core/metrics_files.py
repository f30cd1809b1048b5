"""The folder where a node's processes keep their metrics (prometheus_client's multiprocess
mode). Apart from core/metrics.py because it must run before prometheus_client is imported:
the library picks its way of keeping values when it is first imported."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(default: Path) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for this node's processes (set now, before prometheus_client is
    imported, so every process started from here inherits it); files of processes that are gone
    are removed (prometheus_client's advice: the directory is cleared between runs), while those
    of live ones (an RQ worker of this node) are kept."""
    folder = Path(os.environ.get(MULTIPROC_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    for file in folder.glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if not pid.isdigit() or not alive(int(pid)):
            file.unlink(missing_ok=True)
    return folder


def alive(pid: int) -> bool:
    """A process with this pid runs (a zombie, ended and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True
