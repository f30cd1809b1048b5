"""The outbox sweep (every minute, from rq cron): nothing in Redis is the only copy of a message.

- A message still 'sending' long after any provider call would have timed out belongs to a
  sender that died. Did the provider get it? Only a delivery report can say: a kept report that
  can only be its own settles it (reports.settle_in_doubt); without one, it is resent after
  SMS_REPORT_GRACE.
- A queued message whose job was lost (a worker killed before it claimed its messages, Redis
  flushed, an enqueue that failed) gets a new job after SMS_LOST_AFTER.
- Kept reports whose message id has been saved meanwhile are applied; very old ones dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sms import outbox, reports
from sms.models import SmsEvent, SmsMessage, SmsPendingReport, Status

log = logging.getLogger(__name__)


@dataclass
class Recovered:
    in_doubt: int = 0
    settled: list[int] = field(default_factory=list)  # in doubt, settled by their report
    resent: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)

    @property
    def to_enqueue(self) -> list[int]:
        return self.resent + self.requeued


def recover(session: Session, now: datetime, sending_timeout: int, report_grace: int, lost_after: int,
            keep_reports_days: int = 7) -> Recovered:
    done = Recovered()
    pending = session.execute(select(SmsPendingReport.provider_message_id).distinct()).scalars().all()
    reports.apply_pending(session, pending, now)
    stale = now - timedelta(seconds=sending_timeout)
    newly = session.execute(
        select(SmsMessage.id).where(SmsMessage.status == Status.SENDING.value, SmsMessage.in_doubt.is_(False),
                                    SmsMessage.claimed_at < stale)
    ).scalars().all()
    for message_id in newly:
        session.execute(update(SmsMessage).where(SmsMessage.id == message_id).values(in_doubt=True))
        session.add(SmsEvent(message_id=message_id, status=Status.SENDING.value,
                             detail="in doubt: its sender stopped during the provider call"))
    done.in_doubt = len(newly)
    session.commit()
    done.settled = reports.settle_in_doubt(session, now)
    # In doubt since the sender's own timeout (flagged at once) or since the sweep found it stale.
    unanswered = session.execute(
        select(SmsMessage.id).where(SmsMessage.status == Status.SENDING.value, SmsMessage.in_doubt.is_(True),
                                    SmsMessage.provider_message_id.is_(None),
                                    SmsMessage.claimed_at < now - timedelta(seconds=report_grace))
    ).scalars().all()
    for message_id in unanswered:
        if outbox.requeue(session, message_id, now, "no delivery report: the provider never got it, resending"):
            done.resent.append(message_id)
    lost_since = now - timedelta(seconds=lost_after)
    lost = session.execute(
        select(SmsMessage.id).where(SmsMessage.status == Status.QUEUED.value, SmsMessage.updated_at < lost_since,
                                    (SmsMessage.not_before.is_(None)) | (SmsMessage.not_before < lost_since))
        .limit(10_000)
    ).scalars().all()
    if lost:
        # Touch them, so the next sweep gives their new jobs time to run.
        session.execute(update(SmsMessage).where(SmsMessage.id.in_(lost)).values(updated_at=now))
        done.requeued = list(lost)
    session.commit()
    reports.drop_stale(session, now, timedelta(days=keep_reports_days))
    if done.in_doubt or done.settled or done.to_enqueue:
        log.warning("outbox sweep: %d in doubt, %d settled by their reports, %d resent, %d jobs re-created",
                    done.in_doubt, len(done.settled), len(done.resent), len(done.requeued))
    return done
