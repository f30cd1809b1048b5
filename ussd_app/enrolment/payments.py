"""Reconciling a bank or mobile-money statement: each line's payment reference names a member,
the money pays whole months oldest first (arrears, the month due, then months ahead), and the
member gets a receipt by SMS.

Per transaction id, once: a statement imported twice, or two statements that overlap, pay
nothing twice. A line that cannot be matched is reported and not kept (the statement itself
is the record; once the reference is corrected, importing the line again pays it). Money that
does not make a whole month is kept as credit towards the next payment, and said so.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms import outbox
from sms.reminders import month_index
from sms.templates import TemplateSource
from ussd_app.engine.text import Day, Money
from ussd_app.enrolment import dues as arithmetic
from ussd_app.enrolment.models import Payment, PaymentStatus
from ussd_app.enrolment.references import clean, member_of_payment_reference
from ussd_app.enrolment.store import DuesPolicy, dues_of, ledger_of
from ussd_app.members.models import Contribution, Member, MemberStatus, Scheme

LOCAL = ZoneInfo("Asia/Vientiane")
COLUMNS = ("reference", "amount_lak", "paid_at", "transaction_id")


class StatementError(ValueError):
    """The file cannot be read as a statement at all; nothing was imported."""


@dataclass
class StatementReport:
    applied: int = 0  # paid one month or more
    short: int = 0  # matched, less than a month: kept as credit
    duplicate: int = 0  # transaction imported before
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, why): not matched or not readable
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, what happened) for short payments
    message_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def lines(self, name: str) -> list[str]:
        out = [f"{name}: {self.applied} applied, {self.short} short (kept as credit), {self.duplicate} already "
               f"imported, {len(self.rejected)} rejected."]
        out += [f"  line {n}: {what}" for n, what in self.notes]
        out += [f"  line {n}: rejected: {why}" for n, why in self.rejected]
        return out


@dataclass(frozen=True)
class _Line:
    reference: str
    amount_lak: int
    paid_at: datetime  # UTC
    transaction_id: str


def import_statement(session: Session, data: bytes, *, source_file: str, now: datetime, policy: DuesPolicy,
                     templates: TemplateSource) -> StatementReport:
    """Apply each line in its own transaction; the caller queues `message_ids` (receipts)."""
    rows = _rows(data)
    report = StatementReport()
    seen: set[str] = set()
    for number, row in rows:
        line, why = _parse(row, now)
        if line is None:
            report.rejected.append((number, why))
            continue
        if line.transaction_id in seen or session.execute(
                select(Payment.id).where(Payment.transaction_id == line.transaction_id)).first():
            report.duplicate += 1
            continue
        seen.add(line.transaction_id)
        why = _apply(session, line, number, source_file, policy, templates, report)
        if why:
            session.rollback()
            report.rejected.append((number, why))
        else:
            session.commit()
    return report


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise StatementError(f"the header must name {', '.join(COLUMNS)}; missing: {', '.join(missing)}")
    reader.fieldnames = header
    return [(n, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader, start=2)]


def _parse(row: dict[str, str], now: datetime) -> tuple[_Line | None, str]:
    transaction = row.get("transaction_id", "")
    if not transaction or len(transaction) > 64:
        return None, "transaction_id is missing (or longer than 64 characters)"
    amount_text = row.get("amount_lak", "").replace(",", "")
    if not amount_text.isdigit() or int(amount_text) <= 0:
        return None, f"amount_lak {row.get('amount_lak')!r} is not a whole number of kip above 0"
    paid_at = _moment(row.get("paid_at", ""))
    if paid_at is None:
        return None, f"paid_at {row.get('paid_at')!r} is not a date (2026-12-02) or a time (2026-12-02 14:30)"
    if paid_at > now + timedelta(days=1):
        return None, f"paid_at {row.get('paid_at')} is in the future"
    return _Line(clean(row.get("reference", "")), int(amount_text), paid_at, transaction), ""


def _moment(text: str) -> datetime | None:
    """A statement's time is local (Vientiane) unless it says otherwise."""
    try:
        moment = datetime.fromisoformat(text) if len(text) > 10 else datetime.combine(date.fromisoformat(text),
                                                                                     time(12))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment.astimezone(timezone.utc)


def _apply(session: Session, line: _Line, number: int, source_file: str, policy: DuesPolicy, templates: TemplateSource,
           report: StatementReport) -> str:
    """'' when the line was kept; otherwise why it was rejected."""
    member_id = member_of_payment_reference(line.reference)
    if member_id is None:
        return f"{line.reference or 'no reference'} is not a payment reference (wrong digits or check digit)"
    member = session.execute(select(Member).where(Member.id == member_id).with_for_update()).scalar()
    if member is None or member.scheme != Scheme.VOLUNTARY.value:
        return f"reference {line.reference} names no voluntary member"
    if member.status == MemberStatus.DECEASED.value:
        return f"reference {line.reference}: the member is recorded as deceased; refer to the office"
    paid_on = line.paid_at.astimezone(LOCAL).date()
    ledger = ledger_of(session, member.id, member.registered_on, paid_on, policy)
    owed = dues_of(ledger, paid_on, policy)
    rate = policy.rates.contribution_for
    share = arithmetic.allocate(line.amount_lak + ledger.credit_lak, owed, incomes=ledger.incomes, paid=ledger.paid,
                                rate=rate, ahead_months=policy.ahead_months)
    for period in share.periods:
        _pay(session, member.id, period, ledger.incomes.for_period(period), rate, paid_on)
    status = PaymentStatus.APPLIED if share.periods else PaymentStatus.SHORT
    session.add(Payment(transaction_id=line.transaction_id, reference=line.reference, member_id=member.id,
                        amount_lak=line.amount_lak, applied_lak=share.applied_lak, periods=",".join(share.periods),
                        status=status.value, paid_at=line.paid_at, source_file=source_file[:200]))
    common = {"transaction": line.transaction_id, "amount": Money(line.amount_lak),
              "paid_on": Day(paid_on)}
    if share.periods:
        report.applied += 1
        values = {**common, "periods": _months(share.periods), "credit": Money(share.credit_lak)}
        kind = "payment_receipt"
    else:
        report.short += 1
        needed = owed.months[0][1] if owed.months else owed.next_lak
        report.notes.append((number, f"{line.reference}: {line.amount_lak:,} LAK is less than a month "
                                     f"({needed:,} LAK); kept as credit ({share.credit_lak:,} LAK in all)"))
        values = {**common, "needed": Money(needed)}
        kind = "payment_held"
    if member.phone:
        message = outbox.add(session, templates, recipient=member.phone, kind=kind, language=member.language,
                             values=values, key=f"{kind}:{line.transaction_id}", member_id=member.id)
        if message is not None:
            report.message_ids.append(message.id)
    return ""


def _pay(session: Session, member_id: int, period: str, income_lak: int, rate: arithmetic.Rate, paid_on: date) -> None:
    found = session.execute(select(Contribution).where(Contribution.member_id == member_id,
                                                       Contribution.period == period)).scalar()
    if found is None:
        found = Contribution(member_id=member_id, period=period)
        session.add(found)
    found.insured_wage_lak, found.employee_lak, found.employer_lak = income_lak, rate(income_lak), 0
    found.paid_on = paid_on


def _months(periods: tuple[str, ...]) -> str:
    """Consecutive months as one run: "11/2026-01/2027", others listed: "08/2026, 11/2026"."""
    runs: list[list[str]] = []
    for period in periods:
        if runs and month_index(period) == month_index(runs[-1][-1]) + 1:
            runs[-1].append(period)
        else:
            runs.append([period])

    def shown(p: str) -> str:
        return f"{p[5:]}/{p[:4]}"

    return ", ".join(shown(r[0]) if len(r) == 1 else f"{shown(r[0])}-{shown(r[-1])}" for r in runs)

