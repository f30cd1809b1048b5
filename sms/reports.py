"""Delivery reports from the provider, applied once each and to the message they name.

A report names a message by the provider's id, and only by it. AT may report a message before
our sender has saved AT's answer (or instead of it, when the sender died after AT accepted):
such a report is kept (`SmsPendingReport`) and applied the moment the id is saved. Both sides
look for the other after they commit, and taking a pending report is one DELETE … RETURNING,
so whichever sees it first applies it, and only once. A message whose id we never got stays in
doubt; the sweep settles it from a kept report only when that is unambiguous
(`settle_in_doubt`), and otherwise resends it after SMS_REPORT_GRACE: a rare duplicate, never a
loss.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sms.models import FINAL, SmsEvent, SmsMessage, SmsPendingReport, Status
from ussd_app.text.phones import mask

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
    """Returns updated, duplicate, stored (kept for its message) or ignored. Commits."""
    if reported not in REPORTED:
        log.warning("delivery report %s with unknown status %r", provider_id, reported)
        return "ignored"
    message = _locked_by_id(session, provider_id)
    if message is not None:
        outcome = _settle(session, message, reported, reason, now)
        session.commit()
        return outcome
    session.add(SmsPendingReport(provider_message_id=provider_id, reported=reported, phone=phone,
                                 reason=reason[:200], received_at=now))
    session.commit()
    # The sender may have saved the id between our look and our commit: look again.
    if apply_pending(session, [provider_id], now):
        return "updated"
    log.info("delivery report %s for %s kept until its message is recorded", provider_id, mask(phone))
    return "stored"


def apply_pending(session: Session, provider_ids: Iterable[str], now: datetime) -> int:
    """Apply the kept reports for these ids whose messages are now known. Commits."""
    ids = [i for i in set(provider_ids) if i]
    if not ids:
        return 0
    known = select(SmsMessage.provider_message_id).where(SmsMessage.provider_message_id.in_(ids))
    taken = session.execute(
        delete(SmsPendingReport)
        .where(SmsPendingReport.provider_message_id.in_(known))
        .returning(SmsPendingReport.provider_message_id, SmsPendingReport.reported, SmsPendingReport.reason,
                   SmsPendingReport.received_at)
    ).all()
    for provider_id, reported, reason, _at in sorted(taken, key=lambda r: r.received_at):
        message = _locked_by_id(session, provider_id)
        if message is not None:
            _settle(session, message, reported, reason, now)
    session.commit()
    return len(taken)


def settle_in_doubt(session: Session, now: datetime) -> list[int]:
    """Messages in doubt (sent, perhaps, but AT's answer never saved) settled by a kept report
    that can only be theirs: the one in-doubt message to that phone, the one unclaimed report
    for it, received after the message was handed over. Commits; returns the ids settled."""
    settled: list[int] = []
    doubtful = session.execute(
        select(SmsMessage.recipient).where(SmsMessage.status == Status.SENDING.value, SmsMessage.in_doubt.is_(True),
                                           SmsMessage.provider_message_id.is_(None))
        .group_by(SmsMessage.recipient).having(func.count() == 1)
    ).scalars().all()
    for phone in doubtful:
        message = session.execute(
            select(SmsMessage).where(SmsMessage.recipient == phone, SmsMessage.status == Status.SENDING.value,
                                     SmsMessage.in_doubt.is_(True), SmsMessage.provider_message_id.is_(None))
            .with_for_update()
        ).scalars().first()
        if message is None or message.claimed_at is None:
            continue
        reports = session.execute(
            select(SmsPendingReport).where(SmsPendingReport.phone == phone,
                                           SmsPendingReport.received_at >= message.claimed_at)
            .with_for_update()
        ).scalars().all()
        if len({r.provider_message_id for r in reports}) != 1:
            session.rollback()  # none, or several messages' reports: not evidence enough
            continue
        provider_id = reports[0].provider_message_id
        if _locked_by_id(session, provider_id) is not None:
            session.rollback()  # the report belongs to a message we know after all
            continue
        message.provider_message_id, message.in_doubt, message.claim_token = provider_id, False, None
        message.sent_at = message.sent_at or reports[0].received_at
        session.add(SmsEvent(message_id=message.id, status=Status.SENDING.value,
                             detail=f"the provider's report {provider_id} names this message's only send"))
        for report in sorted(reports, key=lambda r: r.received_at):
            _settle(session, message, report.reported, report.reason, now)
            session.delete(report)
        session.commit()
        settled.append(message.id)
    return settled


def drop_stale(session: Session, now: datetime, keep: timedelta = timedelta(days=7)) -> int:
    """Kept reports no message ever claimed (an attempt resent after AT's answer was lost)."""
    result = session.execute(delete(SmsPendingReport).where(SmsPendingReport.received_at < now - keep))
    session.commit()
    return result.rowcount or 0


def _locked_by_id(session: Session, provider_id: str) -> SmsMessage | None:
    # Locked: two reports for one message (Sent, then Success) arriving at once apply in turn.
    return session.execute(select(SmsMessage).where(SmsMessage.provider_message_id == provider_id)
                           .order_by(SmsMessage.id.desc()).limit(1).with_for_update()).scalar()


def _settle(session: Session, message: SmsMessage, reported: str, reason: str, now: datetime) -> str:
    status = REPORTED[reported]
    if message.provider_status == reported or message.status in FINAL:
        return "duplicate"  # a repeated or late report changes nothing
    if status is Status.SENT and message.status == Status.SENT.value:
        message.provider_status = reported  # still on its way: no new state, no event
        return "updated"
    message.status = status.value
    message.provider_status = reported
    message.claim_token = None
    message.in_doubt = False
    message.sent_at = message.sent_at or now
    if status is Status.DELIVERED:
        message.delivered_at = now
    if status is Status.FAILED:
        message.last_error = f"{reported}: {reason}" if reason else reported
    session.add(SmsEvent(message_id=message.id, status=status.value, detail=f"report {reported} {reason}".strip()))
    return "updated"
