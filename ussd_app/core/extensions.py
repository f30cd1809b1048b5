"""The one place that builds the clients: Redis, the database engine and sessions, the job queue.

`Clients` holds them for the app (create_app builds it once; the Runtime carries it). A hop or a
request uses the database through a `Unit`: a read connection in autocommit and an ORM session,
each opened on first use and both closed at its end.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from flask import Flask, current_app, g
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry
from redis.sentinel import Sentinel
from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from ussd_app.core import db_limits
from ussd_app.core.breaker import Breaker
from ussd_app.core.db_limits import DbLimits
from ussd_app.core.job_queue import InProcessJobQueue, JobQueue, RQJobQueue
from ussd_app.core.redis_breaker import BreakerConnection, BreakerSentinelConnection

log = logging.getLogger(__name__)

BREAKER_SECONDS = 1.0  # after a timeout, fail at once this long before trying the backend again


JOB_QUEUE_INFO = "job_queue"  # the key of a session's info holding the app's JobQueue


@dataclass
class Clients:
    redis: redis.Redis
    engine: Engine
    reads: Engine  # its own pool of connections made in autocommit: a read needs no BEGIN/ROLLBACK
    sessions: sessionmaker[Session]
    redis_is_fake: bool
    queue: JobQueue  # RQ on a real Redis; a thread pool in this process with the fake one

    def unit(self) -> Unit:
        return Unit(self)

    def dispose(self) -> None:
        """Close every pooled database connection (tests, and after a fork)."""
        self.engine.dispose()
        self.reads.dispose()


class Unit:
    """The database as one hop or request uses it; `close()` (or `with`) gives both back."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients
        self._reads: Connection | None = None
        self._session: Session | None = None

    @property
    def reads(self) -> Connection:
        """Autocommit: each read sees the latest committed data, with no transaction round trips."""
        if self._reads is None:
            self._reads = self._clients.reads.connect()
        return self._reads

    @property
    def session(self) -> Session:
        """For writes (and reads that must see them), committed by whoever writes."""
        if self._session is None:
            self._session = self._clients.sessions()
        return self._session

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def close(self) -> None:
        session, reads, self._session, self._reads = self._session, self._reads, None, None
        try:
            if session is not None:
                session.close()
        finally:
            if reads is not None:
                reads.close()

    def __enter__(self) -> Unit:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def build_redis(url: str, timeout: float, breaker: Breaker | None = None, sentinels: str = "",
                master: str = "lsso") -> tuple[redis.Redis, bool]:
    """A real Redis client for `url` (or through the Sentinels, to the primary they name), or an
    in-process fakeredis when neither is given."""
    if sentinels:
        return _through_sentinels(sentinels, master, url, timeout, breaker), False
    if not url:
        import fakeredis

        log.warning(
            "!!! REDIS_URL is unset: using an in-process fake Redis. Sessions and queues live in this "
            "process only. NOT FOR PRODUCTION: set REDIS_URL. !!!"
        )
        return fakeredis.FakeRedis(server=fakeredis.FakeServer(), lua_modules=set()), True
    extra: dict[str, Any] = {}
    if breaker is not None and url.startswith("redis://"):
        extra = {"connection_class": BreakerConnection, "breaker": breaker}
    client = redis.Redis.from_url(url, **_bounds(timeout), **extra)
    return client, False


def redis_from_config(cfg: Mapping[str, Any], breaker: Breaker | None = None) -> tuple[redis.Redis, bool]:
    """The Redis client the settings name (REDIS_SENTINELS, else REDIS_URL)."""
    return build_redis(cfg["REDIS_URL"], cfg["REDIS_TIMEOUT_SECONDS"], breaker, cfg["REDIS_SENTINELS"],
                       cfg["REDIS_SENTINEL_MASTER"])


def rq_connection_settings(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """What RQ's commands read from a settings module (`-c workers.rq_settings`) to connect as the
    app does: SENTINEL (RQ's own form) or REDIS_URL."""
    if not cfg["REDIS_SENTINELS"]:
        return {"REDIS_URL": cfg["REDIS_URL"]}
    given = parse_url(cfg["REDIS_URL"]) if cfg["REDIS_URL"] else {}  # type: ignore[no-untyped-call]
    timeout = cfg["REDIS_TIMEOUT_SECONDS"]
    return {"SENTINEL": {
        "INSTANCES": sentinel_addresses(cfg["REDIS_SENTINELS"]), "MASTER_NAME": cfg["REDIS_SENTINEL_MASTER"],
        "DB": given.get("db", 0), "USERNAME": given.get("username"), "PASSWORD": given.get("password"),
        # RQ's worker blocks on the queue for longer than a hop's bound: its commands get seconds.
        "SOCKET_TIMEOUT": max(timeout, 5.0), "SENTINEL_KWARGS": {"socket_timeout": timeout,
                                                               "socket_connect_timeout": timeout}}}


def _bounds(timeout: float) -> dict[str, Any]:
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "health_check_interval": 30,
        # One immediate reconnect (a pooled connection may predate a Redis restart or a failover),
        # no retry on a timeout: a member waiting on a hung Redis must get the fault reply within a second.
        "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    }


def sentinel_addresses(sentinels: str) -> list[tuple[str, int]]:
    """'host:port,host:port' -> [(host, port), …]; refuses anything else, naming it."""
    found = []
    for part in (p.strip() for p in sentinels.split(",")):
        host, sep, port = part.rpartition(":")
        if not part:
            continue
        if not sep or not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {part!r} is not host:port")
        found.append((host.strip("[]"), int(port)))
    if not found:
        raise ValueError("REDIS_SENTINELS names no Sentinel")
    return found


def _through_sentinels(sentinels: str, master: str, url: str, timeout: float, breaker: Breaker | None) -> redis.Redis:
    """A client of the primary the Sentinels name. Its pool asks them again whenever a connection
    to the primary fails, so after a failover it follows the new primary without a restart."""
    given = parse_url(url) if url else {}  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
    options = {k: v for k, v in given.items() if k in ("db", "username", "password")}
    sentinel = Sentinel(sentinel_addresses(sentinels), sentinel_kwargs={"socket_timeout": timeout,
                                                                        "socket_connect_timeout": timeout})
    extra: dict[str, Any] = {"connection_class": BreakerSentinelConnection, "breaker": breaker} if breaker else {}
    client: redis.Redis = sentinel.master_for(master, **_bounds(timeout), **options, **extra)
    return client


def build_engine(url: str, limits: DbLimits | None = None, breaker: Breaker | None = None,
                 autocommit: bool = False) -> Engine:
    """SQLAlchemy engine; SQLite gets WAL and foreign keys, PostgreSQL bounds on every wait.

    `autocommit`: every connection is made in autocommit once, and handed back as it is: no
    switching the mode at each checkout and no rollback at each return (each costs a wait)."""
    limits = limits or DbLimits()
    kwargs: dict[str, Any] = {}
    if autocommit:
        kwargs.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    sa_url = make_url(url)
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    elif url.startswith("postgresql"):
        sa_url = db_limits.with_statement_timeout(sa_url, limits.statement_ms)
        kwargs["pool_size"] = 5
        kwargs["max_overflow"] = 5
        kwargs["pool_timeout"] = limits.connect_seconds
    engine = create_engine(sa_url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    elif url.startswith("postgresql"):
        db_limits.install(engine, limits, breaker or Breaker("database"))
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def db_limits_of(cfg: Mapping[str, Any], role: str = "web") -> DbLimits:
    """The database bounds for a process: web requests must answer in a second; jobs and
    batch commands may run long statements."""
    statement_ms = cfg["DATABASE_STATEMENT_TIMEOUT_MS"] if role == "web" else cfg["JOB_STATEMENT_TIMEOUT_MS"]
    return DbLimits(connect_seconds=cfg["DATABASE_TIMEOUT_SECONDS"], statement_ms=statement_ms,
                    idle_ping_seconds=cfg["DATABASE_IDLE_PING_SECONDS"])


def init_app(app: Flask, role: str = "web") -> Clients:
    cfg = app.config
    client, fake = redis_from_config(cfg, Breaker("redis", BREAKER_SECONDS))
    limits, breaker = db_limits_of(cfg, role), Breaker("database", BREAKER_SECONDS)
    engine = build_engine(cfg["DATABASE_URL"], limits, breaker)
    queue: JobQueue = InProcessJobQueue(app) if fake else RQJobQueue(cfg["SMS_QUEUE"], client, cfg["SMS_JOB_TIMEOUT"])
    app.extensions["lsso"] = Clients(
        redis=client,
        engine=engine,
        reads=build_engine(cfg["DATABASE_URL"], limits, breaker, autocommit=True),
        # A session carries the queue, so what it commits can queue its follow-up work (events/bus.py).
        sessions=sessionmaker(engine, expire_on_commit=False, info={JOB_QUEUE_INFO: queue}),
        redis_is_fake=fake,
        queue=queue,
    )
    app.teardown_appcontext(_close_db)
    return clients(app)


def use_job_limits(app: Flask) -> None:
    """Rebuild the database engine with the bounds of batch work (a CLI command, a worker)."""
    c = clients(app)
    c.dispose()
    limits, breaker = db_limits_of(app.config, "job"), Breaker("database")
    c.engine = build_engine(app.config["DATABASE_URL"], limits, breaker)
    c.reads = build_engine(app.config["DATABASE_URL"], limits, breaker, autocommit=True)
    c.sessions.configure(bind=c.engine)


def job_command(command: Callable[..., Any]) -> Callable[..., Any]:
    """For CLI commands doing batch work: they run with the job bounds, not the web's."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        use_job_limits(current_app)
        return command(*args, **kwargs)

    return wrapped


def clients(app: Flask | None = None) -> Clients:
    found: Clients = (app or current_app).extensions["lsso"]
    return found


def redis_client() -> redis.Redis:
    return clients().redis


def request_unit() -> Unit:
    """The database unit of the current app context (a request, a CLI command), opened on first use."""
    if "db_unit" not in g:
        g.db_unit = clients().unit()
    unit: Unit = g.db_unit
    return unit


def db() -> Session:
    """The ORM session of the current app context."""
    return request_unit().session


def _close_db(_exc: BaseException | None) -> None:
    unit = g.pop("db_unit", None)
    if unit is not None:
        unit.close()
