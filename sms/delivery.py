"""Sending messages from the outbox: claim a batch, call the provider for each, record outcomes.

Transient failures are retried after SMS_RETRY_BACKOFF (10 s, 60 s, 300 s by default), then the
message fails; a message the provider rejects is never retried; a request that got no answer is
in doubt until a delivery report (or, after a grace period, the sweep) settles it. Reminders
never go out in quiet hours: a retry that would land there waits for the morning.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sms import outbox, reports
from sms.models import REMINDERS, Status
from sms.quiet_hours import QuietHours
from sms.senders import (
    FailedSendError,
    OutboxSender,
    RejectedSendError,
    SmsSender,
    TransientSendError,
    UncertainSendError,
)
from ussd_app.core import metrics
from ussd_app.text.phones import mask

log = logging.getLogger(__name__)

Schedule = Callable[[int, datetime], None]  # (message id, when) -> a job will run then
Clock = Callable[[], datetime]
COMMIT_EVERY = 20  # outcomes recorded per commit; a crash in between leaves them in doubt, not lost


@dataclass(frozen=True)
class Policy:
    backoff: tuple[int, ...]  # seconds before retry 1, 2, 3 …
    quiet: QuietHours
    # A batch starts no new send this long after its claim: the sweep takes a claim older than
    # SMS_SENDING_TIMEOUT for a dead sender's, so every send must end well before that.
    claim_budget: float = 30.0

    def not_before(self, kind: str, moment: datetime) -> datetime:
        return self.quiet.next_allowed(moment) if kind in REMINDERS else moment


def deliver(session: Session, sender: SmsSender, policy: Policy, message_ids: list[int], clock: Clock,
            schedule: Schedule) -> Counter:
    """Send what can be sent of `message_ids`; returns how many were sent, retry, in doubt,
    rejected, failed, released (a slow batch handed on), early (not due yet, or a reminder in
    quiet hours: rescheduled), cancelled (a reminder to a phone that opted out) or skipped
    (not queued)."""
    counts: Counter = Counter()
    claimed_at = clock()  # one reading for the claim and for "not due yet": a job a moment early is rescheduled
    claimed, token, cancelled = outbox.claim(session, message_ids, claimed_at,
                                             reminders_allowed=policy.quiet.allows(claimed_at))
    if cancelled:
        counts["cancelled"] += len(cancelled)
        metrics.SMS.labels("cancelled").inc(len(cancelled))
    for message_id in set(message_ids) - {c.id for c in claimed} - set(cancelled):
        early = outbox.waiting_until(session, message_id, claimed_at, policy.not_before)
        if early is not None:
            schedule(message_id, early)  # RQ's scheduler keeps whole seconds: a job may come a moment early
        counts["early" if early else "skipped"] += 1
    done: list[outbox.Outcome] = []
    later: list[tuple[int, datetime]] = []

    def flush() -> None:
        now = clock()
        outbox.record(session, token, done, now)
        session.commit()
        # A report may have come before its message's id was saved: it is applied now.
        reports.apply_pending(session, [o.provider_message_id for o in done if o.provider_message_id], now)
        for message_id, when in later:  # only once a retry is committed can its job find it queued
            schedule(message_id, when)
        done.clear()
        later.clear()

    for n, message in enumerate(claimed):
        if n and (clock() - claimed_at).total_seconds() > policy.claim_budget:
            for unsent in claimed[n:]:  # a slow provider: hand the rest to a fresh job
                done.append(outbox.Outcome(unsent.id, Status.QUEUED, "released unsent: the batch ran long"))
                later.append((unsent.id, clock()))
            counts["released"] += len(claimed) - n
            break
        try:
            outcome = _send(sender, policy, message, clock(), later)
        except Exception:
            # A bug or an unexpected reply: this one failed; the rest were never offered.
            done.append(outbox.Outcome(message.id, Status.FAILED, "unexpected error (see logs)",
                                       last_error="unexpected error (see logs)"))
            done.extend(outbox.Outcome(c.id, Status.QUEUED, "released unsent") for c in claimed[n + 1:])
            flush()
            raise
        done.append(outcome)
        counts[_name(outcome)] += 1
        _measure(outcome, message)
        if len(done) >= COMMIT_EVERY:
            flush()
    flush()
    return counts


def _measure(outcome: outbox.Outcome, message: outbox.Claimed) -> None:
    name = _name(outcome).replace(" ", "_")
    metrics.SMS.labels(name).inc()
    if outcome.sent_at is not None:
        metrics.SMS_QUEUE_TO_SENT.observe(metrics.age_seconds(message.queued_at, outcome.sent_at))
    log.info("SMS %s %s", message.id, name, extra={
        "event": "sms", "sms_id": message.id, "phone": mask(message.recipient), "kind": message.kind,
        "attempt": message.attempts, "outcome": name})


def _name(outcome: outbox.Outcome) -> str:
    if outcome.in_doubt:
        return "in doubt"
    return {Status.QUEUED: "retry"}.get(outcome.status, outcome.status.value)


def _send(sender: SmsSender, policy: Policy, m: outbox.Claimed, now: datetime,
          later: list[tuple[int, datetime]]) -> outbox.Outcome:
    try:
        accepted = sender.send(m.recipient, m.body)
    except TransientSendError as exc:
        if m.attempts > len(policy.backoff):
            log.warning("SMS %s to %s failed for good: %s", m.id, mask(m.recipient), exc)
            error = f"gave up after {m.attempts} tries: {exc}"
            return outbox.Outcome(m.id, Status.FAILED, error, last_error=error)
        when = policy.not_before(m.kind, now + timedelta(seconds=policy.backoff[m.attempts - 1]))
        later.append((m.id, when))
        log.info("SMS %s to %s: %s; retry at %s", m.id, mask(m.recipient), exc, when.isoformat())
        return outbox.Outcome(m.id, Status.QUEUED, f"retry after {exc}", last_error=str(exc), not_before=when)
    except UncertainSendError as exc:
        # Resending now could send it twice. A delivery report will settle it (reports.py); if
        # none comes within SMS_REPORT_GRACE, the outbox sweep resends it.
        log.warning("SMS %s to %s in doubt: %s", m.id, mask(m.recipient), exc)
        return outbox.Outcome(m.id, Status.SENDING, f"in doubt: {exc}", last_error=str(exc), in_doubt=True)
    except RejectedSendError as exc:
        log.warning("SMS %s to %s rejected: %s", m.id, mask(m.recipient), exc)
        return outbox.Outcome(m.id, Status.REJECTED, str(exc), last_error=str(exc))
    except FailedSendError as exc:
        log.error("SMS %s to %s failed: %s", m.id, mask(m.recipient), exc)
        return outbox.Outcome(m.id, Status.FAILED, str(exc), last_error=str(exc))
    # The local outbox accepts everything and sends nothing: its messages say so, not "sent".
    status = Status.STORED if sender.name == OutboxSender.name else Status.SENT
    return outbox.Outcome(m.id, status, f"accepted: {accepted.status} {accepted.message_id}",
                          provider_message_id=accepted.message_id, sent_at=now)
