"""Production's web server for integration tests: `python serve.py` (Granian), started as its own
process group and always stopped, with every process it made."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Barrier
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebServer:
    def __init__(self, env: Mapping[str, str], workers: int = 3, threads: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(self.port), "WEB_WORKERS": str(workers),
                    "WEB_THREADS": str(threads), "ACCESS_LOG": "off", "LOG_LEVEL": "WARNING",
                    "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="metrics-"), **env}
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"web-{self.port}.log"

    def __enter__(self) -> WebServer:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "serve.py"], cwd=ROOT, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the web server exited at start:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"the web server did not answer within 30 s:\n{self.log()}")

    def __exit__(self, *_exc: object) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass
        self._log.close()
        self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


@dataclass(frozen=True)
class Reply:
    seconds: float
    status: int
    body: str


def post(url: str, form: Mapping[str, str], timeout: float = 10) -> Reply:
    data = urlencode(form).encode()
    return _timed(urllib.request.Request(url, data=data,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"}), timeout)


def get(url: str, timeout: float = 10) -> Reply:
    return _timed(urllib.request.Request(url), timeout)


def _timed(request: urllib.request.Request, timeout: float) -> Reply:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:  # noqa: S310 - loopback only
            return Reply(time.perf_counter() - started, r.status, r.read().decode())
    except urllib.error.HTTPError as exc:
        return Reply(time.perf_counter() - started, exc.code, exc.read().decode())


def at_once(calls: list, workers: int | None = None) -> list:  # type: ignore[type-arg]
    """Run the zero-argument callables together (all released by one barrier); their results in order."""
    barrier = Barrier(len(calls))

    def run(call):  # type: ignore[no-untyped-def]
        barrier.wait()
        return call()

    with ThreadPoolExecutor(workers or len(calls)) as pool:
        return list(pool.map(run, calls))
