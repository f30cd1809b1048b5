"""The SMS work, wired to an app: used by the RQ jobs (workers/jobs.py) and the CLI alike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from flask import Flask

from sms import delivery, recovery, reminders
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of

log = logging.getLogger(__name__)


def send(app: Flask, message_ids: list[int]) -> dict[str, int]:
    rt = runtime_of(app)
    with clients(app).sessions() as session:
        return dict(delivery.deliver(session, rt.sms.sender, rt.sms.policy, message_ids, rt.clock.now,
                                     rt.sms.schedule))


def calendar(app: Flask) -> reminders.Calendar:
    return reminders.Calendar(app.config["REMINDER_DUE_DAY"], app.config["REMINDER_DAYS_BEFORE"])


def run_reminders(app: Flask, today: date | None = None, dry_run: bool = False, trigger: str = "cli",
                  progress: Callable[[int], None] = lambda n: None) -> reminders.Summary:
    rt = runtime_of(app)
    sms = rt.sms
    minimum = rt.rules.schemes["voluntary"].minimum_monthly_lak or 0
    with clients(app).sessions() as session:
        return reminders.run(session, sms.templates, sms.policy, today=today or rt.clock.today(), now=rt.clock.now(),
                             cal=calendar(app), minimum_lak=minimum, dry_run=dry_run, trigger=trigger,
                             progress=progress, on_batch=sms.enqueue)


def sweep(app: Flask) -> recovery.Recovered:
    rt = runtime_of(app)
    sms = rt.sms
    with clients(app).sessions() as session:
        cfg = app.config
        found = recovery.recover(session, rt.clock.now(), cfg["SMS_SENDING_TIMEOUT"], cfg["SMS_REPORT_GRACE"],
                                 cfg["SMS_LOST_AFTER"], cfg["SMS_KEEP_REPORTS_DAYS"])
    sms.enqueue(found.to_enqueue)
    abandoned = sms.queue.clear_abandoned()  # RQ's own record of jobs whose worker died; the rows say the rest
    if abandoned:
        log.warning("outbox sweep: %d abandoned SMS jobs cleared from RQ's registries", abandoned)
    return found
