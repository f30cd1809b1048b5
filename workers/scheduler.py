"""RQ's scheduler as a process of its own: it moves delayed jobs (SMS retries, reminders held
for quiet hours) onto the queue when they are due.

    python -m workers.scheduler [--url $REDIS_URL] [--queue sms]

Its Redis is the app's (REDIS_SENTINELS, else REDIS_URL, from the environment); --url names one.

`rq worker --with-scheduler` forks this same loop inside each worker; a worker killed with
SIGKILL leaves that child running as an orphan that keeps the scheduler lock. Run on its own,
under a supervisor of its own (deploy/systemd/lsso-scheduler.service), it dies and restarts
alone, and workers are plain `rq worker` processes.
"""

from __future__ import annotations

import argparse
import os
import time

from rq.cli.helpers import get_redis_from_config
from rq.scheduler import RQScheduler

from ussd_app.core import logs
from ussd_app.core.config import load_config
from ussd_app.core.extensions import rq_connection_settings
from workers.follow import through_failovers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("REDIS_URL", ""), help="Redis URL (default: $REDIS_URL)")
    parser.add_argument("--queue", action="append", help="queue to schedule for (default: $SMS_QUEUE or sms)")
    parser.add_argument("--interval", type=int, default=1, help="whole seconds between looks for due jobs")
    args = parser.parse_args(argv)
    cfg = load_config(overrides={"REDIS_URL": args.url} if args.url else None)
    if not (cfg["REDIS_URL"] or cfg["REDIS_SENTINELS"]):
        parser.error("--url, REDIS_URL or REDIS_SENTINELS is required")
    logs.configure_from(cfg)
    settings = rq_connection_settings(cfg)
    connection = get_redis_from_config(settings)
    scheduler = RQScheduler(args.queue or [os.environ.get("SMS_QUEUE", "sms")], connection=connection,
                            interval=args.interval)

    def run() -> None:
        # A scheduler killed a moment ago still holds the lock for up to a minute; RQ itself would
        # look again only every two minutes.
        while not scheduler.acquire_locks():
            time.sleep(1)
        scheduler.work()  # keeps the lock fresh and moves due jobs, until SIGTERM / SIGINT

    through_failovers(run, "the scheduler")


if __name__ == "__main__":
    main()
