"""RQ's scheduler as a process of its own: it moves delayed jobs (SMS retries, reminders held
for quiet hours) onto the queue when they are due.

    python -m workers.scheduler --url $REDIS_URL [--queue sms]

`rq worker --with-scheduler` forks this same loop inside each worker; a worker killed with
SIGKILL leaves that child running as an orphan that keeps the scheduler lock. Run on its own,
under a supervisor of its own (deploy/systemd/lsso-scheduler.service), it dies and restarts
alone, and workers are plain `rq worker` processes.
"""

from __future__ import annotations

import argparse
import logging
import os
import time

import redis
from rq.scheduler import RQScheduler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("REDIS_URL", ""), help="Redis URL (default: $REDIS_URL)")
    parser.add_argument("--queue", action="append", help="queue to schedule for (default: $SMS_QUEUE or sms)")
    parser.add_argument("--interval", type=int, default=1, help="whole seconds between looks for due jobs")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url or REDIS_URL is required")
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    scheduler = RQScheduler(args.queue or [os.environ.get("SMS_QUEUE", "sms")],
                            connection=redis.Redis.from_url(args.url), interval=args.interval)
    # A scheduler killed a moment ago still holds the lock for up to a minute; RQ itself would
    # look again only every two minutes.
    while not scheduler.acquire_locks():
        time.sleep(1)
    scheduler.work()  # keeps the lock fresh and moves due jobs, until SIGTERM / SIGINT


if __name__ == "__main__":
    main()
