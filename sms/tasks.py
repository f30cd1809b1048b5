"""The SMS work, wired to an app: used by the RQ jobs (workers/jobs.py) and the CLI alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timezone

from flask import Flask

from sms import delivery, recovery, reminders
from sms.service import sms_services
from ussd_app.core.extensions import clients
from ussd_app.ussd.services import app_services

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def send(app: Flask, message_ids: list[int]) -> dict[str, int]:
    sms = sms_services(app)
    with clients(app).sessions() as session:
        return dict(delivery.deliver(session, sms.sender, sms.policy, message_ids, now, sms.schedule))


def calendar(app: Flask) -> reminders.Calendar:
    return reminders.Calendar(app.config["REMINDER_DUE_DAY"], app.config["REMINDER_DAYS_BEFORE"])


def run_reminders(app: Flask, today: date | None = None, dry_run: bool = False, trigger: str = "cli",
                  progress: Callable[[int], None] = lambda n: None) -> reminders.Summary:
    sms = sms_services(app)
    services = app_services(app)
    minimum = services.rules.schemes["voluntary"].minimum_monthly_lak or 0
    with clients(app).sessions() as session:
        return reminders.run(session, sms.templates, sms.policy, today=today or services.clock.today(), now=now(),
                             cal=calendar(app), minimum_lak=minimum, dry_run=dry_run, trigger=trigger,
                             progress=progress, on_batch=sms.enqueue)


def sweep(app: Flask) -> recovery.Recovered:
    sms = sms_services(app)
    with clients(app).sessions() as session:
        cfg = app.config
        found = recovery.recover(session, now(), cfg["SMS_SENDING_TIMEOUT"], cfg["SMS_REPORT_GRACE"],
                                 cfg["SMS_LOST_AFTER"], cfg["SMS_KEEP_REPORTS_DAYS"])
    sms.enqueue(found.to_enqueue)
    abandoned = sms.queue.clear_abandoned()  # RQ's own record of jobs whose worker died; the rows say the rest
    if abandoned:
        log.warning("outbox sweep: %d abandoned SMS jobs cleared from RQ's registries", abandoned)
    return found
