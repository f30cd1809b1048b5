"""The outbox's state changes, each one atomic and recorded once as an SmsEvent.

A message is written here before any job exists for it (`add`); a job claims it (`claim`) with a
conditional UPDATE, so two jobs for one message never both send it; the outcome is recorded
against the claim (`record_*`, committed by the caller).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms.models import REMINDERS, SmsEvent, SmsMessage, SmsOptOut, Status
from sms.templates import TemplateSource
from ussd_app.core import metrics
from ussd_app.text.phones import InvalidPhone, mask, normalise

log = logging.getLogger(__name__)


class InvalidRecipient(ValueError):
    pass


def add(session: Session, templates: TemplateSource, *, recipient: str, kind: str, language: str,
        values: dict[str, Any], key: str, member_id: int | None = None, not_before: datetime | None = None,
        region: str = "LA") -> SmsMessage | None:
    """Write a queued message; None if a message with this idempotency key exists already.

    Refuses a recipient that is not a phone number before anything is written."""
    try:
        phone = normalise(recipient, region)
    except InvalidPhone as exc:
        raise InvalidRecipient(f"cannot send an SMS to {mask(recipient)}: {exc}") from None
    if session.execute(select(SmsMessage.id).where(SmsMessage.idempotency_key == key)).first():
        return None
    rendered = templates.render(kind, language, values)
    message = SmsMessage(idempotency_key=key, recipient=phone, member_id=member_id, kind=kind, language=language,
                         body=rendered.body, encoding=rendered.segments.encoding, parts=rendered.segments.parts,
                         status=Status.QUEUED.value, not_before=not_before)
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:  # the same key written by a concurrent request: it is already queued
        return None
    session.add(SmsEvent(message_id=message.id, status=Status.QUEUED.value, detail=kind))
    metrics.SMS.labels("queued").inc()
    return message


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient: str
    body: str
    kind: str
    attempts: int
    queued_at: datetime | None = None  # written to the outbox: the metrics' queue-to-sent time


_REMINDER_KINDS = [k.value for k in REMINDERS]
_OPTED_OUT = select(SmsOptOut.phone).where(SmsOptOut.opted_out.is_(True))


def claim(session: Session, message_ids: list[int], now: datetime,
          reminders_allowed: bool = True) -> tuple[list[Claimed], str, list[int]]:
    """Take the queued ones of these messages for sending, in one statement. Commits.

    A message that is not queued (or not yet due) is left alone: two jobs for one message never
    both get it. The opt-outs are read now, not when the message was queued: a reminder whose
    phone has said STOP since is cancelled, never sent (the third value: their ids). Reminders
    are not claimed at all while `reminders_allowed` is false (quiet hours)."""
    token = uuid.uuid4().hex
    reminder = SmsMessage.kind.in_(_REMINDER_KINDS)
    cancelled = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id.in_(message_ids), SmsMessage.status == Status.QUEUED.value, reminder,
               SmsMessage.recipient.in_(_OPTED_OUT))
        .values(status=Status.CANCELLED.value, last_error="opted out", claim_token=None, updated_at=now)
        .returning(SmsMessage.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    for message_id in cancelled:
        session.add(SmsEvent(message_id=message_id, status=Status.CANCELLED.value,
                             detail="cancelled: the phone opted out of reminders"))
    claimable = ~reminder | SmsMessage.recipient.not_in(_OPTED_OUT) if reminders_allowed else ~reminder
    rows = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id.in_(message_ids), SmsMessage.status == Status.QUEUED.value, claimable,
               (SmsMessage.not_before.is_(None)) | (SmsMessage.not_before <= now))
        .values(status=Status.SENDING.value, attempts=SmsMessage.attempts + 1, claimed_at=now, claim_token=token,
                in_doubt=False, updated_at=now)
        .returning(SmsMessage.id, SmsMessage.recipient, SmsMessage.body, SmsMessage.kind, SmsMessage.attempts,
                   SmsMessage.created_at)
        .execution_options(synchronize_session=False)
    ).all()
    claimed = sorted((Claimed(*row) for row in rows), key=lambda c: c.id)
    for c in claimed:
        session.add(SmsEvent(message_id=c.id, status=Status.SENDING.value, detail=f"attempt {c.attempts}"))
    session.commit()
    return claimed, token, list(cancelled)


def waiting_until(session: Session, message_id: int, now: datetime,
                  next_allowed: Callable[[str, datetime], datetime]) -> datetime | None:
    """When a queued message that was not claimed at `now` may go, if that is still ahead (its
    not_before, or for a reminder the end of quiet hours); the message keeps that time. None: it
    is not queued (another job has it, or it is done)."""
    row = session.execute(
        select(SmsMessage.kind, SmsMessage.not_before)
        .where(SmsMessage.id == message_id, SmsMessage.status == Status.QUEUED.value)
    ).first()
    if row is None:
        return None
    not_before = row.not_before
    if not_before is not None and not_before.tzinfo is None:  # SQLite keeps naive UTC
        not_before = not_before.replace(tzinfo=now.tzinfo)
    when = next_allowed(row.kind, max(not_before or now, now))
    if when <= now:
        return None
    if when != not_before:
        session.execute(update(SmsMessage).where(SmsMessage.id == message_id).values(not_before=when))
        session.add(SmsEvent(message_id=message_id, status=Status.QUEUED.value,
                             detail=f"waits for the end of quiet hours ({when.isoformat()})"))
        session.commit()
    return when


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed message; `status` SENDING with `in_doubt` means: no answer."""

    id: int
    status: Status
    detail: str
    provider_message_id: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    not_before: datetime | None = None
    in_doubt: bool = False


_TABLE = SmsMessage.__table__
# One statement for every outcome, run as a batch: a row changes only while its claim holds, so
# a message a delivery report already settled keeps what the report said.
_RECORD = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.claim_token == bindparam("b_token"),
           _TABLE.c.status == Status.SENDING.value)
    .values(status=bindparam("b_status"), last_error=bindparam("b_error"), not_before=bindparam("b_not_before"),
            in_doubt=bindparam("b_in_doubt"), updated_at=bindparam("b_now"),
            provider_message_id=func.coalesce(bindparam("b_provider_id"), _TABLE.c.provider_message_id),
            sent_at=func.coalesce(bindparam("b_sent_at"), _TABLE.c.sent_at),
            # An answerless message keeps its claim: only a report or the sweep may settle it.
            claim_token=case((bindparam("b_in_doubt"), _TABLE.c.claim_token), else_=None))
)


def record(session: Session, token: str, outcomes: list[Outcome], now: datetime) -> None:
    """Write the outcomes of one claim (three statements, however many outcomes); caller commits.

    Only rows this claim still holds change, and only theirs get an event: a message the sweep
    settled meanwhile (its sender looked dead) keeps its state and its history in order."""
    if not outcomes:
        return
    conn = session.connection()
    held = set(conn.execute(
        select(_TABLE.c.id).where(_TABLE.c.id.in_([o.id for o in outcomes]), _TABLE.c.claim_token == token,
                                  _TABLE.c.status == Status.SENDING.value)
        .with_for_update()  # held until the caller commits: no report or sweep slips in between
    ).scalars())
    outcomes = [o for o in outcomes if o.id in held]
    if not outcomes:
        return
    conn.execute(_RECORD, [
        {"b_id": o.id, "b_token": token, "b_status": o.status.value, "b_error": o.last_error,
         "b_not_before": o.not_before, "b_in_doubt": o.in_doubt, "b_now": now, "b_provider_id": o.provider_message_id,
         "b_sent_at": o.sent_at} for o in outcomes])
    conn.execute(insert(SmsEvent.__table__), [
        {"message_id": o.id, "status": o.status.value, "detail": o.detail, "at": now} for o in outcomes])


def requeue(session: Session, message_id: int, now: datetime, detail: str) -> bool:
    """Put a failed, rejected or doubtful message back in the queue (an operator's decision, or recovery)."""
    result = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id,
               SmsMessage.status.in_([Status.FAILED.value, Status.REJECTED.value, Status.SENDING.value]))
        .values(status=Status.QUEUED.value, claim_token=None, in_doubt=False, not_before=None, updated_at=now)
    )
    if result.rowcount == 1:
        session.add(SmsEvent(message_id=message_id, status=Status.QUEUED.value, detail=detail))
        return True
    return False
