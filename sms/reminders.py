"""Contribution reminders for voluntary-scheme members (informal workers who pay their own).

- Due: from REMINDER_DAYS_BEFORE days before the due day (the 15th) until it, when last month's
  contribution is not paid yet.
- Arrears: when the last period paid is more than one month behind the last period already due.

Each goes once per member and period (the idempotency key says so), never to a phone that said
STOP, and never in quiet hours (the message waits for the morning).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sms import outbox
from sms.delivery import Policy
from sms.models import Kind, ReminderRun, RunStatus, SmsMessage
from sms.optouts import opted_out_phones
from sms.templates import TemplateSource
from ussd_app.engine.text import Day, Money, Period
from ussd_app.enrolment.references import payment_reference
from ussd_app.members.models import Contribution, Member, MemberStatus, Scheme

BATCH = 500


def month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_of(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Calendar:
    due_day: int
    days_before: int

    def due_date(self, period: str) -> date:
        """A period's contribution is due on `due_day` of the month after it."""
        nxt = month_index(period) + 1
        return date(nxt // 12, nxt % 12 + 1, self.due_day)

    def upcoming(self, today: date) -> str:
        """The period whose due date is today or next."""
        this_month = today.year * 12 + today.month - 1
        return period_of(this_month - 1 if today.day <= self.due_day else this_month)

    def last_due(self, today: date) -> str:
        """The latest period whose due date has passed."""
        return period_of(month_index(self.upcoming(today)) - 1)


@dataclass(frozen=True)
class Candidate:
    member_id: int
    ssn: str
    phone: str | None
    language: str
    last_paid: str | None
    paid_upcoming: bool


@dataclass
class Decision:
    candidate: Candidate
    kind: Kind | None = None
    period: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""  # why nothing goes out


def decide(c: Candidate, today: date, cal: Calendar, minimum_lak: int, opted_out: set[str]) -> list[Decision]:
    """Pure: what this member should get today (at most one of each kind), or why not."""
    if not c.phone:
        return [Decision(c, skipped="no phone on file")]
    if c.phone in opted_out:
        return [Decision(c, skipped="opted out")]
    out: list[Decision] = []
    upcoming = cal.upcoming(today)
    due = cal.due_date(upcoming)
    if 0 <= (due - today).days <= cal.days_before:
        if c.paid_upcoming:
            out.append(Decision(c, skipped="already paid"))
        else:
            out.append(Decision(c, Kind.REMINDER_DUE, upcoming,
                                {"period": Period(upcoming), "due_date": Day(due), "minimum": Money(minimum_lak),
                                 "reference": payment_reference(c.member_id)}))
    if c.last_paid is None:
        out.append(Decision(c, skipped="no payment yet"))
    else:
        last_due = cal.last_due(today)
        behind = month_index(last_due) - month_index(c.last_paid)
        if behind > 1:
            out.append(Decision(c, Kind.REMINDER_ARREARS, last_due,
                                {"months_behind": behind, "last_period": Period(c.last_paid),
                                 "reference": payment_reference(c.member_id)}))
    return out or [Decision(c, skipped="nothing due")]


def candidates(session: Session, upcoming: str) -> Iterator[Candidate]:
    paid = Contribution.employee_lak + Contribution.employer_lak > 0
    rows = session.execute(
        select(Member.id, Member.ssn, Member.phone, Member.language,
               func.max(Contribution.period).filter(paid).label("last_paid"),
               func.count(Contribution.id).filter(paid, Contribution.period == upcoming).label("upcoming"))
        .outerjoin(Contribution, Contribution.member_id == Member.id)
        .where(Member.scheme == Scheme.VOLUNTARY.value, Member.status == MemberStatus.ACTIVE.value)
        .group_by(Member.id)
        .order_by(Member.id)
    )
    for row in rows:
        yield Candidate(row.id, row.ssn, row.phone, row.language, row.last_paid, bool(row.upcoming))


@dataclass
class Summary:
    run_id: int | None
    selected: int = 0
    queued: int = 0
    would_queue: int = 0  # dry run
    skipped: Counter = field(default_factory=Counter)
    message_ids: list[int] = field(default_factory=list)


def run(session: Session, templates: TemplateSource, policy: Policy, *, today: date, now: datetime, cal: Calendar,
        minimum_lak: int, dry_run: bool = False, trigger: str = "cli",
        progress: Callable[[int], None] = lambda n: None,
        on_batch: Callable[[list[int], datetime], None] = lambda ids, when: None) -> Summary:
    """Decide and queue today's reminders. `on_batch` gets the ids of each committed batch, and
    when they may go (after quiet hours, if the run happens in them)."""
    upcoming = cal.upcoming(today)
    selected = list(candidates(session, upcoming))
    opted_out = opted_out_phones(session)
    record = ReminderRun(run_date=today, dry_run=dry_run, trigger=trigger, selected=len(selected))
    session.add(record)
    session.commit()
    summary = Summary(record.id, selected=len(selected))
    try:
        _decide_and_queue(session, templates, policy, selected, record, summary, today=today, now=now, cal=cal,
                          minimum_lak=minimum_lak, dry_run=dry_run, opted_out=opted_out, progress=progress,
                          on_batch=on_batch)
    except Exception:
        session.rollback()  # the batches committed so far stay, and their jobs are queued
        record.status, record.finished_at = RunStatus.FAILED.value, now
        session.commit()
        raise
    record.status, record.finished_at = RunStatus.DONE.value, now
    record.processed, record.queued, record.skipped = len(selected), summary.queued, json.dumps(summary.skipped)
    session.commit()
    return summary


def _decide_and_queue(session: Session, templates: TemplateSource, policy: Policy, selected: list[Candidate],
                      record: ReminderRun, summary: Summary, *, today: date, now: datetime, cal: Calendar,
                      minimum_lak: int, dry_run: bool, opted_out: set[str], progress: Callable[[int], None],
                      on_batch: Callable[[list[int], datetime], None]) -> None:
    batch: list[int] = []
    reported = 0
    for n, candidate in enumerate(selected, 1):
        for decision in decide(candidate, today, cal, minimum_lak, opted_out):
            _queue(session, templates, policy, decision, now, dry_run, summary, batch)
        if n % BATCH == 0 or n == len(selected):
            record.processed, record.queued = n, summary.queued
            record.skipped = json.dumps(summary.skipped)
            session.commit()  # a batch at a time: the run's progress is visible, its messages safe
            on_batch(batch, policy.not_before(Kind.REMINDER_DUE.value, now))
            summary.message_ids += batch
            batch = []
            progress(n - reported)
            reported = n


def _queue(session: Session, templates: TemplateSource, policy: Policy, d: Decision, now: datetime, dry_run: bool,
           summary: Summary, batch: list[int]) -> None:
    if d.kind is None:
        summary.skipped[d.skipped] += 1
        return
    key = f"{d.kind.value}:{d.candidate.ssn}:{d.period}"
    if dry_run:
        exists = session.execute(select(SmsMessage.id).where(SmsMessage.idempotency_key == key)).first()
        if exists:
            summary.skipped[f"{d.kind.value} already sent"] += 1
        else:
            summary.would_queue += 1
        return
    message = outbox.add(session, templates, recipient=d.candidate.phone or "", kind=d.kind.value,
                         language=d.candidate.language, values=d.values, key=key, member_id=d.candidate.member_id,
                         not_before=policy.not_before(d.kind.value, now))
    if message is None:
        summary.skipped[f"{d.kind.value} already sent"] += 1
        return
    summary.queued += 1
    batch.append(message.id)
