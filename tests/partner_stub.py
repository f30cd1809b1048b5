"""A partner's side of DCI on 127.0.0.1: real HTTP, receiving our callbacks and notifications,
with a switch to be down (HTTP 503, or no answer at all) for a while. Never anything but loopback.

    stub = PartnerStub().start()
    stub.url                       # register it as the partner's --callback-url
    stub.fail(503, times=3)        # the next 3 posts get HTTP 503
    stub.received("/registry/notify")   # the bodies posted there, in order
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Post:
    path: str
    body: dict[str, Any]
    at: float
    authorization: str = ""

    @property
    def message_id(self) -> str:
        return str(self.body.get("header", {}).get("message_id"))


class PartnerStub:
    def __init__(self, base_path: str = "/dci-partner") -> None:
        self.base_path = base_path
        self.posts: list[Post] = []  # every post, failed ones included
        self.taken: list[Post] = []  # the posts it answered 2xx
        self._failures: list[int] = []
        self.delay = 0.0  # seconds each answer takes (a kill can then land mid-post)
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(stub.delay)
                status = stub._take(self.path, raw, self.headers.get("Authorization", ""))
                data = b'{"message": {"ack_status": "ACK"}}' if status < 300 else b"down"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.base_path}"

    def start(self) -> PartnerStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, times: int) -> None:
        with self._lock:
            self._failures += [status] * times

    def _take(self, path: str, raw: bytes, authorization: str) -> int:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"unreadable": raw.decode(errors="replace")}
        post = Post(path.removeprefix(self.base_path), body, time.monotonic(), authorization)
        with self._lock:
            self.posts.append(post)
            status = self._failures.pop(0) if self._failures else 200
            if status < 300:
                self.taken.append(post)
        return status

    def received(self, path: str) -> list[dict[str, Any]]:
        return [p.body for p in self.taken_at(path)]

    def taken_at(self, path: str) -> list[Post]:
        with self._lock:
            return [p for p in self.taken if p.path == path]

    def duplicates(self) -> list[str]:
        """message_ids the partner took more than once (a partner dedupes by them; we must not rely on it)."""
        with self._lock:
            counts = Counter(p.message_id for p in self.taken)
        return [m for m, n in counts.items() if n > 1]

    def wait_for(self, path: str, count: int, timeout: float = 10.0) -> list[Post]:
        """The posts taken at `path` once there are `count` (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.taken_at(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.taken_at(path)
