"""Prometheus metrics: what the service does, for an operator's dashboards and alerts.

Counters and histograms are counted where things happen (the hop endpoint, the guards, the
outbox, the SMS sender, the partner API). Under a server with several processes (serve.py's
Granian workers) and RQ workers on the same node, prometheus_client's multiprocess mode adds
them up: each process writes its values to files in PROMETHEUS_MULTIPROC_DIR, which serve.py
sets (and clears of processes that are gone) before any worker starts. The gauges are read
when Prometheus scrapes: the RQ queue's depth here, and what other parts register (the
oldest SMS waiting to be sent: sms/outbox_metrics.py).

`/metrics` needs `Authorization: Bearer $METRICS_TOKEN`; without METRICS_TOKEN it is off (404).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ussd_app.core.metrics_files import MULTIPROC_ENV

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)


HOPS = Counter("lsso_ussd_hops", "USSD hops answered, by gateway, network code and outcome: screen (CON), "
               "end (END), fault (the polite fault reply), refused (4xx)", ["gateway", "network", "outcome"])
FAULT_REPLIES = Counter("lsso_ussd_fault_replies", "Hops answered with the fault reply, by cause: redis, database, "
                        "other", ["cause"])
LOCKOUTS = Counter("lsso_lockouts", "Locks started: pin (wrong PINs) and identity (failed SSN and date-of-birth "
                   "checks when linking a phone)", ["guard"])
SMS = Counter("lsso_sms", "SMS by what became of them: queued (written to the outbox), sent, stored (local "
              "outbox), failed, rejected, in_doubt (no answer from the provider), retry, cancelled", ["outcome"])
DCI_CALLS = Counter("lsso_dci_calls", "Partner API (DCI) calls, by partner, action and result", ["partner", "action",
                                                                                                 "result"])
HOP_SECONDS = Histogram("lsso_ussd_hop_seconds", "Time to answer one USSD hop, in the web process",
                        buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
SMS_QUEUE_TO_SENT = Histogram("lsso_sms_queue_to_sent_seconds", "From an SMS written to the outbox to the provider "
                              "taking it", buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14400))


def network_label(code: str) -> str:
    """AT's network codes are a handful of digits; anything else is one label, never a new series."""
    return code if code.isdigit() and len(code) <= 6 else ("-" if not code else "other")


def fault_cause(exc: BaseException) -> str:
    """Which backend a fault reply is owed to, from the exception and what it came from."""
    import psycopg
    import redis
    from sqlalchemy.exc import SQLAlchemyError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, redis.RedisError):
            return "redis"
        if isinstance(seen, (SQLAlchemyError, psycopg.Error)):
            return "database"
        seen = seen.__cause__ or seen.__context__
    return "other"


def age_seconds(oldest: datetime | None, now: datetime) -> float:
    """Seconds since `oldest` (0 for none); a time without a zone is UTC, as the outbox keeps it."""
    if oldest is None:
        return 0.0
    oldest, now = (t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in (oldest, now))
    return max(0.0, (now - oldest).total_seconds())


# A gauge read at scrape time: (its source, for lsso_metrics_source_up; a function giving its
# families). Parts register theirs with `add_live` (the SMS outbox its oldest message).
LiveReader = Callable[[], Iterator[Metric]]
LIVE_KEY = "lsso_live_metrics"


def add_live(app: Flask, source: str, reader: LiveReader) -> None:
    app.extensions.setdefault(LIVE_KEY, []).append((source, reader))


def queue_depth(queue_name: str) -> LiveReader:
    def read() -> Iterator[Metric]:
        from ussd_app.core.extensions import clients

        depth = GaugeMetricFamily("lsso_rq_queue_jobs", "Jobs waiting in the RQ queue", labels=["queue"])
        depth.add_metric([queue_name], clients().queue.depth())
        yield depth
    return read


class LiveGauges(Collector):
    """The registered readers, each guarded: a backend that does not answer leaves its gauges
    out, and lsso_metrics_source_up says so, but the scrape still answers."""

    def __init__(self, readers: list[tuple[str, LiveReader]]) -> None:
        self.readers = readers

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("lsso_metrics_source_up", "1 if this scrape could read the source", labels=["source"])
        for source, read in self.readers:
            try:
                families = list(read())
            except Exception as exc:  # noqa: BLE001 - a scrape must answer even when a backend does not
                log.warning("metrics: %s unreadable: %s", source, type(exc).__name__)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up


class _Default(Collector):
    """This process's own metrics (one process: make run, the tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape(readers: list[tuple[str, LiveReader]]) -> bytes:
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Default())
    registry.register(LiveGauges(readers))
    return generate_latest(registry)


@bp.get("/metrics")
def metrics() -> Response:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        return Response("metrics are off: set METRICS_TOKEN\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response("unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    readers = [("redis", queue_depth(current_app.config["SMS_QUEUE"])), *current_app.extensions.get(LIVE_KEY, [])]
    return Response(scrape(readers), 200, content_type=CONTENT_TYPE_LATEST)
