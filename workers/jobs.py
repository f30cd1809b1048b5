"""RQ job functions. Each takes plain arguments (a message id, a date) and finds the rest in the
database: the outbox row, not the job, is the record of a message. `app` is given only by the
in-process queue; an RQ worker runs every job in its own process's app."""

from __future__ import annotations

from datetime import date

from flask import Flask

from sms import tasks
from workers.app import worker_app


def send_sms(message_id: int, app: Flask | None = None) -> dict[str, int]:
    return send_batch([message_id], app=app)


def send_batch(message_ids: list[int], app: Flask | None = None) -> dict[str, int]:
    app = app or worker_app()
    with app.app_context():
        return tasks.send(app, message_ids)


def send_reminders(day: str | None = None, app: Flask | None = None) -> dict:
    app = app or worker_app()
    with app.app_context():
        summary = tasks.run_reminders(app, date.fromisoformat(day) if day else None, trigger="cron")
        return {"run": summary.run_id, "selected": summary.selected, "queued": summary.queued,
                "skipped": dict(summary.skipped)}


def sweep_outbox(app: Flask | None = None) -> dict:
    app = app or worker_app()
    with app.app_context():
        found = tasks.sweep(app)
        return {"in_doubt": found.in_doubt, "resent": len(found.resent), "requeued": len(found.requeued)}


def rollup_usage(day: str | None = None, app: Flask | None = None) -> dict:
    """Copy a finished day's usage figures from Redis into the database (default: yesterday in
    Vientiane, plus any earlier day a missed night left behind). Re-running a day replaces it."""
    from datetime import timedelta

    from ussd_app.analytics import usage as usage_stats
    from ussd_app.core.extensions import clients
    from ussd_app.ussd.runtime import runtime_of

    app = app or worker_app()
    with app.app_context():
        today = runtime_of(app).clock.today()
        if day is not None and date.fromisoformat(day) >= today:
            # Hops still count into today: a copy now would stand in for the day's final figures.
            raise ValueError(f"{day} is not over yet in {app.config['TIMEZONE']}: roll it up tomorrow")
        redis = clients(app).redis
        with clients(app).sessions() as session:
            days = [date.fromisoformat(day)] if day else [today - timedelta(days=1)]
            if day is None:
                days += [d for d in usage_stats.pending_days(session, redis, today) if d not in days]
            return {d.isoformat(): usage_stats.rollup(session, redis, d) for d in sorted(days)}


def refresh_arrears(app: Flask | None = None) -> dict:
    from ussd_app.members.cli import refresh_arrears as refresh

    app = app or worker_app()
    with app.app_context():
        fell, again = refresh(app)
        return {"fell_into_arrears": fell, "paid_again": again}


def dci_work(txn_id: int, app: Flask | None = None) -> None:
    from ussd_app.dci import tasks as dci_tasks

    app = app or worker_app()
    with app.app_context():
        dci_tasks.perform(app, txn_id)


def dci_send(callback_id: int, app: Flask | None = None) -> str:
    from ussd_app.dci import tasks as dci_tasks

    app = app or worker_app()
    with app.app_context():
        return dci_tasks.send(app, callback_id)


def dci_dispatch(app: Flask | None = None) -> int:
    from ussd_app.dci import tasks as dci_tasks

    app = app or worker_app()
    with app.app_context():
        return dci_tasks.dispatch(app)


def dci_sweep(app: Flask | None = None) -> int:
    from ussd_app.dci import tasks as dci_tasks

    app = app or worker_app()
    with app.app_context():
        return dci_tasks.sweep(app)



def sweep_drops(app: Flask | None = None) -> int:
    """USSD sessions whose network time is up with no hop and no notice from AT: each counted as a
    drop once, and the result it stood on sent by SMS (ussd/drops.py). Returns how many."""
    from ussd_app.ussd import drops
    from ussd_app.ussd.runtime import runtime_of

    app = app or worker_app()
    with app.app_context():
        return drops.sweep(runtime_of(app))
