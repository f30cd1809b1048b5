"""RQ's cron with this app's schedule (workers/cron_config.py), following a Redis failover
(`rq cron` exits when Redis goes away):

    python -m workers.cron
"""

from __future__ import annotations

from rq.cli.helpers import get_redis_from_config
from rq.cron import CronScheduler

from ussd_app.core import logs
from ussd_app.core.config import load_config
from ussd_app.core.extensions import rq_connection_settings
from workers.follow import through_failovers


def main() -> None:
    cfg = load_config()
    logs.configure_from(cfg)
    cron = CronScheduler(connection=get_redis_from_config(rq_connection_settings(cfg)), logging_level=cfg["LOG_LEVEL"])
    cron.load_config_from_file("workers.cron_config")  # once: the schedule registers itself on import
    through_failovers(cron.start, "rq cron")


if __name__ == "__main__":
    main()
