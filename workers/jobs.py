"""RQ job functions. Each takes plain arguments (a message id, a date) and finds the rest in the
database: the outbox row, not the job, is the record of a message."""

from __future__ import annotations

from datetime import date

from sms import tasks
from workers.app import worker_app


def send_sms(message_id: int) -> dict[str, int]:
    return send_batch([message_id])


def send_batch(message_ids: list[int]) -> dict[str, int]:
    app = worker_app()
    with app.app_context():
        return tasks.send(app, message_ids)


def send_reminders(day: str | None = None) -> dict:
    app = worker_app()
    with app.app_context():
        summary = tasks.run_reminders(app, date.fromisoformat(day) if day else None, trigger="cron")
        return {"run": summary.run_id, "selected": summary.selected, "queued": summary.queued,
                "skipped": dict(summary.skipped)}


def sweep_outbox() -> dict:
    app = worker_app()
    with app.app_context():
        found = tasks.sweep(app)
        return {"in_doubt": found.in_doubt, "resent": len(found.resent), "requeued": len(found.requeued)}
