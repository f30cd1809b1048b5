"""An RQ worker that follows a Redis failover (`rq worker` exits when Redis goes away):

    python -m workers.worker [queue ...]      (default: $SMS_QUEUE, sms)

Plain `SimpleWorker`s, one after another in this process: no `--with-scheduler` (workers/
scheduler.py runs RQ's scheduler on its own), `worker_ttl` 30 s so a worker that died without a
word leaves `rq info` soon. Its Redis is the app's (REDIS_SENTINELS, else REDIS_URL)."""

from __future__ import annotations

import argparse

from rq import Queue
from rq.cli.helpers import get_redis_from_config
from rq.worker import SimpleWorker

from ussd_app.core import logs
from ussd_app.core.config import load_config
from ussd_app.core.extensions import rq_connection_settings
from workers.follow import through_failovers

WORKER_TTL = 30


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("queues", nargs="*", help="queues to work on (default: $SMS_QUEUE or sms)")
    args = parser.parse_args(argv)
    cfg = load_config()
    level = cfg["LOG_LEVEL"]
    logs.configure_from(cfg)
    connection = get_redis_from_config(rq_connection_settings(cfg))
    names = args.queues or [cfg["SMS_QUEUE"]]

    def work() -> None:
        queues = [Queue(name, connection=connection) for name in names]
        SimpleWorker(queues, connection=connection, worker_ttl=WORKER_TTL).work(logging_level=level)

    through_failovers(work, "the worker")


if __name__ == "__main__":
    main()
