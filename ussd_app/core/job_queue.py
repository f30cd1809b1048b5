"""Where jobs go: RQ on the real Redis, or, with the in-process fake Redis of `make run`, a
small thread pool in the web process itself (so the demo needs nothing else running).

Jobs are named by import path ("workers.jobs.send_sms") and take plain arguments. An RQ worker
runs them in an app of its own (workers/app.py); the in-process queue hands each job the app
that owns the queue, so two apps in one process never run each other's jobs.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

import redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    def enqueue(self, func: str, *args: Any) -> None: ...
    def enqueue_at(self, when: datetime, func: str, *args: Any) -> None: ...
    def clear_abandoned(self) -> int: ...
    def depth(self) -> int: ...


class RQJobQueue:
    def __init__(self, name: str, connection: redis.Redis, job_timeout: int = 120) -> None:
        self.queue = Queue(name, connection=connection)
        self.job_timeout = job_timeout  # SMS_JOB_TIMEOUT: a batch stops starting sends well before

    def enqueue(self, func: str, *args: Any) -> None:
        self.queue.enqueue(func, *args, job_timeout=self.job_timeout, result_ttl=300, failure_ttl=7 * 86400)

    def enqueue_at(self, when: datetime, func: str, *args: Any) -> None:
        # RQ keeps scheduled times in whole seconds, cut down: 12.6 s would run at 12 s, before
        # the job's row is due, and the job would find nothing to do. Rounded up instead.
        if when.microsecond:
            when = when.replace(microsecond=0) + timedelta(seconds=1)
        self.queue.enqueue_at(when, func, *args, job_timeout=self.job_timeout, result_ttl=300,
                              failure_ttl=7 * 86400)

    def depth(self) -> int:
        """Jobs waiting for a worker (not those scheduled for later)."""
        return int(self.queue.count)

    def clear_abandoned(self) -> int:
        """Jobs whose worker died mid-job: RQ files them as failed with AbandonedJobError once
        their time is up. Their messages are in the outbox (the sweep requeues or settles them),
        so the entries only mislead `rq info`; cleared here. Returns how many."""
        StartedJobRegistry(queue=self.queue).cleanup()
        failed = FailedJobRegistry(queue=self.queue)
        cleared = 0
        for job in Job.fetch_many(failed.get_job_ids(), connection=self.queue.connection):
            result = job.latest_result() if job is not None else None
            if job is not None and result is not None and "AbandonedJobError" in (result.exc_string or ""):
                failed.remove(job, delete_job=True)
                cleared += 1
        return cleared


class InProcessJobQueue:
    """Demo only: jobs run on two threads of this process, after the request that queued them,
    inside `app` (set by create_app once the app is built). Nothing survives a restart (the
    outbox sweep would find the messages again)."""

    def __init__(self, app: Any = None) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="job")
        self._pending: list[Future[None]] = []
        self._lock = threading.Lock()

    def enqueue(self, func: str, *args: Any) -> None:
        future = self.pool.submit(_run, func, args, self.app)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the jobs queued so far, and those they queue (tests, and a clean shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = [f for f in self._pending if not f.done()]
            if not pending:
                return
            wait(pending, timeout=max(0.0, deadline - time.monotonic()))

    def depth(self) -> int:
        with self._lock:
            return sum(1 for f in self._pending if not f.running() and not f.done())

    def clear_abandoned(self) -> int:
        return 0  # a thread pool abandons nothing but with the process itself

    def every(self, seconds: float, func: str) -> None:
        """What rq cron does in production, for the demo: queue `func` every `seconds`, for as
        long as the process lives."""
        def tick() -> None:
            while True:
                time.sleep(seconds)
                self.enqueue(func)

        threading.Thread(target=tick, name=f"every-{func}", daemon=True).start()

    def enqueue_at(self, when: datetime, func: str, *args: Any) -> None:
        delay = max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        timer = threading.Timer(delay, self.enqueue, (func, *args))
        timer.daemon = True
        timer.start()


def _run(func: str, args: tuple[Any, ...], app: Any) -> None:
    module, _, name = func.rpartition(".")
    try:
        getattr(importlib.import_module(module), name)(*args, app=app)
    except Exception:  # noqa: BLE001 - a job's failure must not kill the pool thread
        log.exception("job %s%r failed", func, args)
