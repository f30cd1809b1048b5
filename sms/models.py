"""The durable SMS outbox and what surrounds it: every message is a row before it is a job.

Statuses move queued -> sending -> sent -> delivered, or end in failed / rejected / cancelled; with
the local outbox as the sender (make run), a message ends as stored: kept here, never sent. The
row is the truth; the RQ job only carries its id, so losing a job (or all of Redis) loses no message.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"  # final: retries used up, or the provider said it failed to deliver
    REJECTED = "rejected"  # final: the provider refused this message (bad number, blacklisted …)
    CANCELLED = "cancelled"  # final: not sent, and will not be (its phone opted out before it went)
    STORED = "stored"  # final: kept in the local outbox (SMS_BACKEND=outbox): stored, never sent to a phone


FINAL = frozenset({Status.DELIVERED, Status.FAILED, Status.REJECTED, Status.CANCELLED, Status.STORED})


class Kind(StrEnum):
    PHONE_LINKED = "phone_linked"
    PIN_CHANGED = "pin_changed"
    PIN_LOCKED = "pin_locked"
    STATEMENT = "statement"
    ELIGIBILITY = "eligibility"
    REMINDER_DUE = "reminder_due"
    REMINDER_ARREARS = "reminder_arrears"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    PIN_SET = "pin_set"
    APPLICATION_RECEIVED = "application_received"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_REJECTED = "application_rejected"
    DUES = "dues"
    DUES_PAID_UP = "dues_paid_up"
    INCOME_CHANGED = "income_changed"
    PAYMENT_RECEIPT = "payment_receipt"
    PAYMENT_HELD = "payment_held"


REMINDERS = frozenset({Kind.REMINDER_DUE, Kind.REMINDER_ARREARS})


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # it stopped on an error; what it queued before that stays queued


class SmsMessage(Base):
    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(8))
    parts: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=Status.QUEUED.value, index=True)
    # Indexed, not unique: a provider's reuse of an id must not stop us recording a sent message.
    provider_message_id: Mapped[str | None] = mapped_column(String(100), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]  # quiet hours or retry backoff: not sent before this
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(40))
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)  # a sender died mid-call
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SmsEvent(Base):
    """Each change of a message's state, once: the history behind the outbox page."""

    __tablename__ = "sms_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("sms_outbox.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsPendingReport(Base):
    """A delivery report for a provider id we have not recorded yet: AT may report a message
    before our sender has saved AT's answer. Kept until the id is saved, then applied."""

    __tablename__ = "sms_pending_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_message_id: Mapped[str] = mapped_column(String(100), index=True)
    reported: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsOptOut(Base):
    """A phone that said STOP to reminders (confirmations of its own actions still go)."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(16), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20))  # sms_stop, sms_start, at_bulk
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReminderRun(Base):
    __tablename__ = "reminder_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[date] = mapped_column(Date, index=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    trigger: Mapped[str] = mapped_column(String(20), default="cli")  # cli, cron
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    selected: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[str] = mapped_column(Text, default="{}")  # JSON: reason -> count
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
