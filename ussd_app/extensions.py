"""The one place that builds the clients: Redis, the database engine and sessions, the RQ queue.

Everything else asks for them through `redis_client()`, `db()` and `queue()` (inside an app
context) or through the `Clients` held in `app.extensions["lsso"]`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app, g
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from ussd_app.job_queue import InProcessJobQueue, JobQueue, RQJobQueue

log = logging.getLogger(__name__)


@dataclass
class Clients:
    redis: redis.Redis
    engine: Engine
    reads: Engine  # the same pool, in autocommit: a read needs no BEGIN/ROLLBACK round trips
    sessions: sessionmaker[Session]
    redis_is_fake: bool
    queue: JobQueue  # RQ on a real Redis; a thread pool in this process with the fake one


def build_redis(url: str, timeout: float) -> tuple[redis.Redis, bool]:
    """A real Redis client for `url`, or an in-process fakeredis when `url` is empty."""
    if not url:
        import fakeredis

        log.warning(
            "!!! REDIS_URL is unset: using an in-process fake Redis. Sessions and queues live in this "
            "process only. NOT FOR PRODUCTION: set REDIS_URL. !!!"
        )
        return fakeredis.FakeRedis(server=fakeredis.FakeServer(), lua_modules=set()), True
    client = redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        # One immediate reconnect (a pooled connection may predate a Redis restart), no retry on a
        # timeout: a member waiting on a hung Redis must get the fault reply within a second.
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )
    return client, False


def build_engine(url: str, connect_timeout: int = 2) -> Engine:
    """SQLAlchemy engine; SQLite gets WAL and foreign keys, PostgreSQL a connect timeout."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    elif url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": max(2, connect_timeout)}
        kwargs["pool_size"] = 5
        kwargs["max_overflow"] = 5
        kwargs["pool_timeout"] = 1
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkin", _note_checkin)
    return engine


IDLE_PING_SECONDS = 10.0


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Pessimistic disconnect check, but only for a connection idle long enough to have gone
    stale (a database restart, a firewall timeout): pinging on every checkout would add a round
    trip to every hop."""
    if time.monotonic() - record.info.get("checked_in", time.monotonic()) < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as exc:  # noqa: BLE001 - any failure means: give the pool a new connection
        raise DisconnectionError(f"stale connection: {exc}") from exc


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    cfg = app.config
    client, fake = build_redis(cfg["REDIS_URL"], cfg["REDIS_TIMEOUT_SECONDS"])
    engine = build_engine(cfg["DATABASE_URL"], cfg["DATABASE_TIMEOUT_SECONDS"])
    app.extensions["lsso"] = Clients(
        redis=client,
        engine=engine,
        reads=engine.execution_options(isolation_level="AUTOCOMMIT"),
        sessions=sessionmaker(engine, expire_on_commit=False),
        redis_is_fake=fake,
        queue=InProcessJobQueue() if fake else RQJobQueue(cfg["SMS_QUEUE"], client),
    )
    app.teardown_appcontext(_close_db)


def clients(app: Flask | None = None) -> Clients:
    return (app or current_app).extensions["lsso"]


def redis_client() -> redis.Redis:
    return clients().redis


def db() -> Session:
    """The database session of the current app context, opened on first use."""
    if "db" not in g:
        g.db = clients().sessions()
    return g.db


def read_connection() -> Connection:
    """An autocommit connection for the reads of the current app context, opened on first use."""
    if "read_conn" not in g:
        g.read_conn = clients().reads.connect()
    return g.read_conn


def _close_db(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
    conn = g.pop("read_conn", None)
    if conn is not None:
        conn.close()
