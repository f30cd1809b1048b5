"""A TCP proxy on 127.0.0.1 that can freeze: while frozen it still accepts connections but moves
no byte either way, like a database or a Redis that hangs. Thawed, everything flows again.

    with TcpProxy(5432) as proxy:   # proxy.port forwards to 127.0.0.1:5432
        proxy.freeze(); ...; proxy.thaw()
"""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType


class TcpProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    # --- control ---
    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    def drop_all(self) -> None:
        """Close every connection made so far (a restart of the server behind)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            _close(s)

    # --- life ---
    def __enter__(self) -> TcpProxy:
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._flowing.set()
        _close(self._listener)
        self.drop_all()
        for thread in self._threads:
            thread.join(2)

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._sockets.append(client)
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        while not self._flowing.wait(0.1):  # frozen: the connection is accepted, and nothing happens
            if self._stop.is_set():
                return
        try:
            upstream = socket.create_connection(self.upstream, timeout=2)
        except OSError:
            _close(client)
            return
        with self._lock:
            self._sockets.append(upstream)
        self._pump(client, upstream)

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        with selectors.DefaultSelector() as sel:
            try:
                sel.register(a, selectors.EVENT_READ)
                sel.register(b, selectors.EVENT_READ)
            except (OSError, ValueError):  # closed by drop_all() before it started
                return
            while not self._stop.is_set():
                if not self._flowing.is_set():
                    self._flowing.wait(0.1)
                    continue
                try:
                    events = sel.select(0.1)
                except (OSError, ValueError):  # a socket closed under us by drop_all()
                    break
                for key, _ in events:
                    try:
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if not data:
                            raise OSError("closed")
                        peer[key.fileobj].sendall(data)  # type: ignore[index]
                    except OSError:
                        _close(a)
                        _close(b)
                        return
        _close(a)
        _close(b)


def _close(s: socket.socket) -> None:
    try:
        s.close()
    except OSError:
        pass
