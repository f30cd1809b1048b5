"""The outbox sweep (every minute, from rq cron): nothing in Redis is the only copy of a message.

- A message still 'sending' long after any provider call would have timed out belongs to a
  sender that died. Did the provider get it? Only a delivery report can say: we wait for one
  (it settles the message, see reports.py) and resend only when none came.
- A queued message whose job was lost (Redis flushed, enqueue failed) gets a new job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sms import outbox
from sms.models import SmsEvent, SmsMessage, Status

log = logging.getLogger(__name__)

LOST_AFTER = timedelta(minutes=10)


@dataclass
class Recovered:
    in_doubt: int = 0
    resent: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)

    @property
    def to_enqueue(self) -> list[int]:
        return self.resent + self.requeued


def recover(session: Session, now: datetime, sending_timeout: int, report_grace: int,
            lost_after: timedelta = LOST_AFTER) -> Recovered:
    done = Recovered()
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
    # In doubt since the sender's own timeout (flagged at once) or since the sweep found it stale.
    unanswered = session.execute(
        select(SmsMessage.id).where(SmsMessage.status == Status.SENDING.value, SmsMessage.in_doubt.is_(True),
                                    SmsMessage.provider_message_id.is_(None),
                                    SmsMessage.claimed_at < now - timedelta(seconds=report_grace))
    ).scalars().all()
    for message_id in unanswered:
        if outbox.requeue(session, message_id, now, "no delivery report: the provider never got it, resending"):
            done.resent.append(message_id)
    lost = session.execute(
        select(SmsMessage.id).where(SmsMessage.status == Status.QUEUED.value, SmsMessage.updated_at < now - lost_after,
                                    (SmsMessage.not_before.is_(None)) | (SmsMessage.not_before < now - lost_after))
        .limit(10_000)
    ).scalars().all()
    if lost:
        # Touch them, so the next sweep gives their new jobs time to run.
        session.execute(update(SmsMessage).where(SmsMessage.id.in_(lost)).values(updated_at=now))
        done.requeued = list(lost)
    session.commit()
    if done.in_doubt or done.to_enqueue:
        log.warning("outbox sweep: %d in doubt, %d resent, %d jobs re-created", done.in_doubt, len(done.resent),
                    len(done.requeued))
    return done
