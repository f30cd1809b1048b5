"""The outbox's state changes, each one atomic and recorded once as an SmsEvent.

A message is written here before any job exists for it (`add`); a job claims it (`claim`) with a
conditional UPDATE, so two jobs for one message never both send it; the outcome is recorded
against the claim (`record_*`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms.models import SmsEvent, SmsMessage, Status
from sms.templates import Templates
from ussd_app.phones import InvalidPhone, mask, normalise

log = logging.getLogger(__name__)


class InvalidRecipient(ValueError):
    pass


def add(session: Session, templates: Templates, *, recipient: str, kind: str, language: str,
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
    return message


def claim(session: Session, message_id: int, now: datetime) -> tuple[SmsMessage, str] | None:
    """Take a queued message for sending. Commits. None if it is not (or not yet) to be sent."""
    token = uuid.uuid4().hex
    result = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, SmsMessage.status == Status.QUEUED.value,
               (SmsMessage.not_before.is_(None)) | (SmsMessage.not_before <= now))
        .values(status=Status.SENDING.value, attempts=SmsMessage.attempts + 1, claimed_at=now, claim_token=token,
                in_doubt=False, updated_at=now)
    )
    if result.rowcount != 1:
        session.rollback()
        return None
    message = session.get(SmsMessage, message_id)
    session.add(SmsEvent(message_id=message_id, status=Status.SENDING.value, detail=f"attempt {message.attempts}"))
    session.commit()
    return message, token


def waiting_until(session: Session, message_id: int, now: datetime) -> datetime | None:
    """When a queued message may go, if that is still ahead of `now`."""
    not_before = session.execute(
        select(SmsMessage.not_before).where(SmsMessage.id == message_id, SmsMessage.status == Status.QUEUED.value)
    ).scalar()
    if not_before is None:
        return None
    if not_before.tzinfo is None:  # SQLite keeps naive UTC
        not_before = not_before.replace(tzinfo=now.tzinfo)
    return not_before if not_before > now else None


def record_sent(session: Session, message_id: int, token: str, provider_id: str, provider_status: str,
                now: datetime) -> None:
    # provider_status is kept for delivery reports; what AT said on accepting goes in the event.
    done = _transition(session, message_id, token, status=Status.SENT.value, provider_message_id=provider_id,
                       sent_at=now, last_error=None, detail=f"accepted: {provider_status} {provider_id}")
    if not done:
        # A delivery report overtook us and already matched this message: keep what it said.
        log.info("message %s was already settled by a delivery report", message_id)
    session.commit()


def record_retry(session: Session, message_id: int, token: str, error: str, not_before: datetime) -> None:
    _transition(session, message_id, token, status=Status.QUEUED.value, last_error=error, not_before=not_before,
                detail=f"retry after {error}")
    session.commit()


def record_in_doubt(session: Session, message_id: int, token: str, error: str) -> None:
    """Still 'sending', flagged: the sweep waits for a delivery report before resending."""
    session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, SmsMessage.claim_token == token, SmsMessage.status == Status.SENDING.value)
        .values(in_doubt=True, last_error=error)
    )
    session.add(SmsEvent(message_id=message_id, status=Status.SENDING.value, detail=f"in doubt: {error}"))
    session.commit()


def record_final(session: Session, message_id: int, token: str, status: Status, error: str) -> None:
    _transition(session, message_id, token, status=status.value, last_error=error, detail=error)
    session.commit()


def _transition(session: Session, message_id: int, token: str, *, status: str, detail: str = "",
                **values: Any) -> bool:
    result = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, SmsMessage.claim_token == token, SmsMessage.status == Status.SENDING.value)
        .values(status=status, claim_token=None, **values)
    )
    if result.rowcount == 1:
        session.add(SmsEvent(message_id=message_id, status=status, detail=detail))
        return True
    return False


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
