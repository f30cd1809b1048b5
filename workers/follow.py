"""Keeping RQ's long-running loops (worker, scheduler, cron) alive through a Redis failover.

RQ's own commands exit when Redis goes away under them. Through the Sentinels, the primary comes
back under another address within seconds, and the connection pool finds it by itself: the
loop only has to be started again, in the same process, after a short wait."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

WAIT_SECONDS = 1.0


def through_failovers(run: Callable[[], object], what: str, wait: float = WAIT_SECONDS) -> None:
    """Call `run` until it returns (asked to stop); after a lost Redis connection, again."""
    while True:
        try:
            run()
            return
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("%s lost Redis (%s); again in %.0f s (a failover names a new primary)", what, exc, wait)
            time.sleep(wait)
