"""RQ processes for integration tests, started as production starts them (deploy/systemd): plain
workers (workers/worker.py), one scheduler of its own (workers/scheduler.py) and cron
(workers/cron.py), all following a Redis failover, each in a process
group of its own, and every group ended at the end, checked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Workers:
    def __init__(self, settings: dict[str, str]) -> None:
        self.env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        return self._spawn([sys.executable, "-m", "workers.worker", "sms"])

    def start_scheduler(self) -> subprocess.Popen:
        return self._spawn([sys.executable, "-m", "workers.scheduler"])

    def start_cron(self) -> subprocess.Popen:
        """Production's cron with the app's schedule (deploy/systemd/lsso-cron.service)."""
        return self._spawn([sys.executable, "-m", "workers.cron"])

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(command, cwd=ROOT, env={**self.env, "LOG_LEVEL": "WARNING"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(_group_alive(p) for p in self.procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        for proc in self.procs:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(5)
        left = [p.pid for p in self.procs if _group_alive(p)]
        assert not left, f"worker process groups still running: {left}"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(proc: subprocess.Popen) -> bool:
    proc.poll()  # reap the process itself if it is gone
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True
