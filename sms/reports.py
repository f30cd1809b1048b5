"""Delivery reports from the provider, applied once each: AT retries them, and may send one
before our sender has even recorded the message id."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms.models import FINAL, SmsEvent, SmsMessage, Status
from ussd_app.phones import mask

log = logging.getLogger(__name__)

# AT's delivery statuses -> ours. Intermediate ones never move a message backwards.
REPORTED = {
    "Success": Status.DELIVERED,
    "Failed": Status.FAILED,
    "Rejected": Status.FAILED,
    "AbsentSubscriber": Status.FAILED,
    "Expired": Status.FAILED,
    "Sent": Status.SENT,
    "Submitted": Status.SENT,
    "Buffered": Status.SENT,
}


def apply_report(session: Session, provider_id: str, reported: str, phone: str, reason: str,
                 now: datetime) -> str:
    """Returns updated, duplicate, unknown or ignored. Commits."""
    status = REPORTED.get(reported)
    if status is None:
        log.warning("delivery report %s with unknown status %r", provider_id, reported)
        return "ignored"
    message = session.execute(select(SmsMessage).where(SmsMessage.provider_message_id == provider_id)
                              .order_by(SmsMessage.id.desc()).limit(1)).scalar()
    if message is None:
        message = _awaiting_id(session, phone)
        if message is None:
            log.warning("delivery report for unknown message %s (%s)", provider_id, mask(phone))
            return "unknown"
        # The report came before (or instead of) our own record of the id: a sender still
        # waiting for AT's reply, or one that died after AT accepted the message.
        message.provider_message_id = provider_id
        message.in_doubt = False
        message.claim_token = None
        message.sent_at = message.sent_at or now
    if message.provider_status == reported or message.status in FINAL:
        session.commit()  # keeps a match made above; a repeated or late report changes nothing
        return "duplicate"
    if status is Status.SENT and message.status == Status.SENT.value:
        message.provider_status = reported  # still on its way: no new state, no event
        session.commit()
        return "updated"
    message.status = status.value
    message.provider_status = reported
    if status is Status.DELIVERED:
        message.delivered_at = now
    if status is Status.FAILED:
        message.last_error = f"{reported}: {reason}" if reason else reported
    session.add(SmsEvent(message_id=message.id, status=status.value, detail=f"report {reported} {reason}".strip()))
    session.commit()
    return "updated"


def _awaiting_id(session: Session, phone: str) -> SmsMessage | None:
    return session.execute(
        select(SmsMessage)
        .where(SmsMessage.recipient == phone, SmsMessage.status == Status.SENDING.value,
               SmsMessage.provider_message_id.is_(None))
        .order_by(SmsMessage.claimed_at)
        .limit(1)
    ).scalar()
