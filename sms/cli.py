"""`flask sms …`: the outbox, the reminder run, the sweep, and putting failed messages back."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from sms import outbox, tasks
from sms.models import SmsMessage, Status
from ussd_app.core.extensions import clients, job_command
from ussd_app.text.phones import mask
from ussd_app.ussd.runtime import runtime_of

sms_cli = AppGroup("sms", help="SMS outbox, reminders and delivery.")


@sms_cli.command("outbox")
@click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
              help="Only these statuses (repeat for several), e.g. --status failed --status rejected.")
@click.option("--kind", default=None, help="Only this kind, e.g. reminder_due.")
@click.option("--limit", default=20, show_default=True)
@click.option("--body/--no-body", default=False, help="Show each message's text.")
def outbox_command(statuses: tuple[str, ...], kind: str | None, limit: int, body: bool) -> None:
    """The latest messages, newest first (numbers masked)."""
    query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(limit)
    if statuses:
        query = query.where(SmsMessage.status.in_(statuses))
    if kind:
        query = query.where(SmsMessage.kind == kind)
    with clients(current_app).sessions() as session:
        rows = session.execute(query).scalars().all()
    if not rows:
        click.echo("no messages")
        return
    header = f"{'id':>6}  {'created (UTC)':16}  {'kind':16} {'lang':4} {'to':15} {'status':9} {'tries':>5} parts  error"
    click.echo(header)
    for m in rows:
        click.echo(f"{m.id:>6}  {m.created_at:%Y-%m-%d %H:%M}  {m.kind:16} {m.language:4} {mask(m.recipient):15} "
                   f"{m.status:9} {m.attempts:>5} {m.parts:>5}  {m.last_error or ''}")
        if body:
            click.echo("        " + m.body.replace("\n", "\n        "))


@sms_cli.command("stats")
def stats_command() -> None:
    """Messages by status, those in doubt, and the oldest one still waiting: what to watch."""
    with clients(current_app).sessions() as session:
        by_status = dict(session.execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).all())
        doubtful = session.execute(select(func.count()).where(SmsMessage.in_doubt.is_(True),
                                                              SmsMessage.status == Status.SENDING.value)).scalar_one()
        oldest = session.execute(select(func.min(SmsMessage.created_at))
                                 .where(SmsMessage.status == Status.QUEUED.value)).scalar()
    for status in Status:
        click.echo(f"{status.value:10} {by_status.get(status.value, 0)}")
    click.echo(f"{'in doubt':10} {doubtful}")
    click.echo(f"oldest queued: {oldest:%Y-%m-%d %H:%M} UTC" if oldest else "oldest queued: none")


@sms_cli.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Say what would be sent; queue nothing.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD).")
@job_command
def send_reminders_command(dry_run: bool, day: object) -> None:
    """Queue today's contribution reminders for voluntary-scheme members."""
    today: date | None = day.date() if day else None  # type: ignore[attr-defined]
    with click.progressbar(length=0, label="members") as bar:
        def progress(n: int) -> None:
            bar.length = max(bar.length or 0, bar.pos + n)
            bar.update(n)

        summary = tasks.run_reminders(current_app, today, dry_run=dry_run, progress=progress)
    click.echo(f"selected {summary.selected} voluntary members")
    if dry_run:
        click.echo(f"would queue {summary.would_queue} reminders (dry run: nothing queued)")
    else:
        click.echo(f"queued {summary.queued} reminders (run {summary.run_id})")
    for reason, count in sorted(summary.skipped.items(), key=lambda kv: -kv[1]):
        click.echo(f"skipped {count}: {reason}")


@sms_cli.command("sweep")
@job_command
def sweep_command() -> None:
    """Find messages whose sender died or whose job was lost, and deal with them now."""
    found = tasks.sweep(current_app)
    click.echo(f"in doubt {found.in_doubt}, resent {len(found.resent)}, jobs re-created {len(found.requeued)}")


@sms_cli.command("requeue")
@click.argument("ids", nargs=-1, type=int, required=True)
def requeue_command(ids: tuple[int, ...]) -> None:
    """Send failed or rejected messages IDS again (after fixing what made them fail)."""
    done = []
    with clients(current_app).sessions() as session:
        for message_id in ids:
            if outbox.requeue(session, message_id, runtime_of(current_app).clock.now(), "requeued by an operator"):
                done.append(message_id)
            else:
                click.echo(f"{message_id}: not failed or rejected; left alone", err=True)
        session.commit()
    runtime_of(current_app).sms.enqueue(done)
    click.echo(f"requeued {len(done)}")
    sys.exit(0 if len(done) == len(ids) else 1)


def init_app(app: Flask) -> None:
    app.cli.add_command(sms_cli)
