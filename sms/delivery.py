"""Sending one message from the outbox: claim, call the provider, record the outcome.

Transient failures are retried after SMS_RETRY_BACKOFF (10 s, 60 s, 300 s by default), then the
message fails; a message the provider rejects is never retried. Reminders never go out in
quiet hours: a retry that would land there waits for the morning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sms import outbox
from sms.models import REMINDERS, Status
from sms.quiet_hours import QuietHours
from sms.senders import FailedSendError, RejectedSendError, SmsSender, TransientSendError, UncertainSendError
from ussd_app.phones import mask

log = logging.getLogger(__name__)

Schedule = Callable[[int, datetime], None]  # (message id, when) -> a job will run then


@dataclass(frozen=True)
class Policy:
    backoff: tuple[int, ...]  # seconds before retry 1, 2, 3 …
    quiet: QuietHours

    def not_before(self, kind: str, moment: datetime) -> datetime:
        return self.quiet.next_allowed(moment) if kind in REMINDERS else moment


def deliver(session: Session, sender: SmsSender, policy: Policy, message_id: int, now: datetime,
            schedule: Schedule) -> str:
    """Returns what happened: sent, retry, rejected, failed or skipped (not claimable now)."""
    claimed = outbox.claim(session, message_id, now)
    if claimed is None:
        early = outbox.waiting_until(session, message_id, now)
        if early is not None:
            # RQ's scheduler keeps whole seconds: a job may run a moment before its time.
            schedule(message_id, early)
            return "early"
        return "skipped"
    message, token = claimed
    to, body, attempts, kind = message.recipient, message.body, message.attempts, message.kind
    try:
        accepted = sender.send(to, body)
    except TransientSendError as exc:
        if attempts > len(policy.backoff):
            outbox.record_final(session, message_id, token, Status.FAILED, f"gave up after {attempts} tries: {exc}")
            log.warning("SMS %s to %s failed for good: %s", message_id, mask(to), exc)
            return "failed"
        when = policy.not_before(kind, now + timedelta(seconds=policy.backoff[attempts - 1]))
        outbox.record_retry(session, message_id, token, str(exc), when)
        schedule(message_id, when)
        log.info("SMS %s to %s: %s; retry at %s", message_id, mask(to), exc, when.isoformat())
        return "retry"
    except UncertainSendError as exc:
        # Resending now could send it twice. A delivery report will settle it (reports.py); if
        # none comes within SMS_REPORT_GRACE, the outbox sweep resends it.
        outbox.record_in_doubt(session, message_id, token, str(exc))
        log.warning("SMS %s to %s in doubt: %s", message_id, mask(to), exc)
        return "in doubt"
    except RejectedSendError as exc:
        outbox.record_final(session, message_id, token, Status.REJECTED, str(exc))
        log.warning("SMS %s to %s rejected: %s", message_id, mask(to), exc)
        return "rejected"
    except FailedSendError as exc:
        outbox.record_final(session, message_id, token, Status.FAILED, str(exc))
        log.error("SMS %s to %s failed: %s", message_id, mask(to), exc)
        return "failed"
    except Exception:
        # A bug or an unexpected reply must not leave the message claimed for ever.
        session.rollback()
        outbox.record_final(session, message_id, token, Status.FAILED, "unexpected error (see logs)")
        raise
    outbox.record_sent(session, message_id, token, accepted.message_id, accepted.status, now)
    return "sent"
