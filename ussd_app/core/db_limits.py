"""Bounds on every wait for PostgreSQL, so that a database that hangs costs a member at most a
fraction of a second and then the polite fault reply.

- Connecting gives up after `connect_seconds` (libpq and psycopg will not go under 2 s, so the
  connection is made on a helper thread and abandoned when it is late).
- The server cancels any statement after `statement_ms` (statement_timeout); the client stops
  waiting a little later (`BoundedConnection.wait`), which also covers a server or network that
  does not answer at all, and drops the connection it can no longer trust.
- A connection idle for `idle_ping_seconds` is pinged at checkout, in autocommit, so the ping
  leaves no transaction open behind it.
- One breaker per engine: after a timeout, the process fails at once for a moment instead of
  every request waiting again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DisconnectionError

from ussd_app.core.breaker import Breaker, CircuitOpen

log = logging.getLogger(__name__)

REPLY_MARGIN_SECONDS = 0.15  # the server's own statement_timeout error should win over our give-up


@dataclass(frozen=True)
class DbLimits:
    connect_seconds: float = 0.5
    statement_ms: int = 400
    idle_ping_seconds: float = 10.0

    @property
    def wait_seconds(self) -> float:
        return self.statement_ms / 1000 + REPLY_MARGIN_SECONDS


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose every wait on the server (statements, commits, rollbacks,
    pings) is bounded, and guarded by the engine's breaker."""

    wait_seconds: float | None = None
    breaker: Breaker | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        breaker = self.breaker
        if breaker is not None:
            try:
                breaker.check()
            except CircuitOpen as exc:
                gen.close()
                raise psycopg.OperationalError(f"database unavailable: {exc}") from None
        try:
            result = super().wait(gen, interval, timeout if timeout is not None else self.wait_seconds)
        except pg_errors._WaitTimeout:
            # Mid-protocol: the connection cannot be used again. Closed, SQLAlchemy discards it.
            self.close()
            if breaker is not None:
                breaker.failed()
            raise psycopg.OperationalError(f"no answer from the database within {self.wait_seconds:.2f} s") from None
        if breaker is not None:
            breaker.succeeded()
        return result


def with_statement_timeout(url: URL, statement_ms: int) -> URL:
    """The URL with `-c statement_timeout=…` added to the options it may already carry."""
    options = url.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    return url.update_query_dict({"options": f"{options} -c statement_timeout={int(statement_ms)}".strip()})


def install(engine: Engine, limits: DbLimits, breaker: Breaker) -> None:
    """Wire the bounds into a PostgreSQL engine."""

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> BoundedConnection:
        try:
            breaker.check()
        except CircuitOpen as exc:
            raise psycopg.OperationalError(f"database unavailable: {exc}") from None
        future = _connector().submit(BoundedConnection.connect, *cargs, **cparams)
        try:
            conn = future.result(timeout=limits.connect_seconds)
        except FutureTimeout:
            breaker.failed()
            future.add_done_callback(_close_late_connection)
            raise psycopg.OperationalError(
                f"could not connect to the database within {limits.connect_seconds:g} s") from None
        breaker.succeeded()  # the database answered
        conn.wait_seconds, conn.breaker = limits.wait_seconds, breaker
        return conn

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # Pinging on every checkout would add a round trip to every hop; a connection that sat
        # idle long enough to have gone stale (a database restart, a firewall) is pinged first.
        idle = time.monotonic() - record.info.get("checked_in", time.monotonic())
        if idle < limits.idle_ping_seconds or breaker.is_open:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # autocommit for the ping: no transaction left open
        except Exception as exc:  # noqa: BLE001 - any failure means: give the pool a new connection
            raise DisconnectionError(f"stale connection: {exc}") from exc

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()


_CONNECTOR: tuple[int, ThreadPoolExecutor] | None = None
_CONNECTOR_LOCK = threading.Lock()


def _connector() -> ThreadPoolExecutor:
    """One small pool per process for connection attempts (a hung one keeps its thread ~2 s)."""
    global _CONNECTOR
    with _CONNECTOR_LOCK:
        if _CONNECTOR is None or _CONNECTOR[0] != os.getpid():  # threads do not survive a fork
            _CONNECTOR = (os.getpid(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="db-connect"))
        return _CONNECTOR[1]

def _close_late_connection(future: Any) -> None:
    try:
        future.result().close()
    except Exception:  # noqa: BLE001 - it failed anyway; nothing to close
        pass
