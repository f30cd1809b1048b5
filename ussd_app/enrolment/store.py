"""The Enrolment port over the database (reads on the unit's autocommit connection), and the
arithmetic's inputs gathered for one member: incomes, months paid, credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from sms.reminders import Calendar, month_index, period_of
from ussd_app.benefits.rules import SchemeRates
from ussd_app.core.extensions import Unit
from ussd_app.engine.ports import Clock
from ussd_app.enrolment import dues as arithmetic
from ussd_app.enrolment.models import Application, ApplicationNumber, ApplicationStatus, DeclaredIncome, Payment
from ussd_app.enrolment.port import ApplicationView, Standing
from ussd_app.enrolment.references import payment_reference
from ussd_app.members.models import Contribution, Member, Scheme

LOCAL = ZoneInfo("Asia/Vientiane")


@dataclass(frozen=True)
class DuesPolicy:
    """The settings the arithmetic runs with (README, settings)."""

    rates: SchemeRates  # the voluntary scheme's
    calendar: Calendar
    arrears_months: int  # how far back unpaid months are still asked for
    ahead_months: int  # how far ahead a payment may pay


def _view(row: Any) -> ApplicationView:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return ApplicationView(reference=row.reference, status=row.status, province=row.province,
                           created_on=created.astimezone(LOCAL).date(), reason=row.reason)


_APPLICATION = select(Application.reference, Application.status, Application.province, Application.created_at,
                      Application.reason)


class SqlEnrolment:
    def __init__(self, unit: Unit, clock: Clock, policy: DuesPolicy) -> None:
        self.unit, self.clock, self.policy = unit, clock, policy

    def latest_application(self, phone: str) -> ApplicationView | None:
        row = self.unit.reads.execute(_APPLICATION.where(Application.phone == phone)
                                      .order_by(Application.id.desc()).limit(1)).first()
        return _view(row) if row else None

    def open_application_for(self, id_kind: str, id_number: str) -> ApplicationView | None:
        row = self.unit.reads.execute(_APPLICATION.where(
            Application.id_kind == id_kind, Application.id_number == id_number,
            Application.status == ApplicationStatus.OPEN.value).limit(1)).first()
        return _view(row) if row else None

    def member_has_national_id(self, national_id: str) -> bool:
        return self.unit.reads.execute(select(Member.id).where(Member.national_id == national_id)).first() is not None

    def reserve_number(self, session_id: str) -> int:
        return reserve_number(self.unit.reads, session_id)

    def standing(self, ssn: str) -> Standing | None:
        member = self.unit.reads.execute(
            select(Member.id, Member.scheme, Member.registered_on).where(Member.ssn == ssn)).first()
        if member is None or member.scheme != Scheme.VOLUNTARY.value:
            return None
        return standing_of(self.unit.reads, member.id, member.registered_on, self.clock.today(), self.policy)


def reserve_number(conn: Connection, session_id: str) -> int:
    """The application number of this session, taken once (autocommit: it outlives the hop)."""
    found = conn.execute(select(ApplicationNumber.id).where(ApplicationNumber.session_id == session_id)).scalar()
    if found is not None:
        return int(found)
    try:
        return int(conn.execute(insert(ApplicationNumber).values(session_id=session_id, created_at=datetime.now(
            timezone.utc)).returning(ApplicationNumber.id)).scalar_one())
    except IntegrityError:  # a twin hop of the same session took it a moment ago
        return int(conn.execute(select(ApplicationNumber.id)
                                .where(ApplicationNumber.session_id == session_id)).scalar_one())


@dataclass(frozen=True)
class Ledger:
    incomes: arithmetic.Incomes
    paid: frozenset[str]
    credit_lak: int
    first_period: str


def ledger_of(conn: Connection | Any, member_id: int, registered_on: date | None, today: date,
              policy: DuesPolicy) -> Ledger:
    """What the arithmetic needs about one member; `conn` may be a Connection or a Session."""
    incomes = dict(conn.execute(select(DeclaredIncome.from_period, DeclaredIncome.income_lak)
                                .where(DeclaredIncome.member_id == member_id)).all())
    paid = frozenset(conn.execute(select(Contribution.period).where(
        Contribution.member_id == member_id, Contribution.employee_lak + Contribution.employer_lak > 0)).scalars())
    amounts = conn.execute(select(func.coalesce(func.sum(Payment.amount_lak), 0),
                                  func.coalesce(func.sum(Payment.applied_lak), 0))
                           .where(Payment.member_id == member_id)).one()
    if registered_on is not None:
        first = f"{registered_on.year:04d}-{registered_on.month:02d}"
    else:
        first = min([*incomes, *paid], default=f"{today.year:04d}-{today.month:02d}")
    rates = policy.rates
    return Ledger(arithmetic.Incomes(incomes, rates.minimum_income_lak or 0), paid,
                  int(amounts[0]) - int(amounts[1]), first)


def dues_of(ledger: Ledger, today: date, policy: DuesPolicy) -> arithmetic.Dues:
    return arithmetic.dues(first_period=ledger.first_period, incomes=ledger.incomes, paid=ledger.paid,
                           credit_lak=ledger.credit_lak, today=today, cal=policy.calendar,
                           rate=policy.rates.contribution_for, arrears_months=policy.arrears_months)


def standing_of(conn: Connection | Any, member_id: int, registered_on: date | None, today: date,
                policy: DuesPolicy) -> Standing:
    ledger = ledger_of(conn, member_id, registered_on, today, policy)
    this_month = f"{today.year:04d}-{today.month:02d}"
    next_month = period_of(month_index(this_month) + 1)
    now_lak = ledger.incomes.for_period(this_month)
    then_lak = ledger.incomes.for_period(next_month)
    return Standing(dues=dues_of(ledger, today, policy), payment_reference=payment_reference(member_id),
                    income_lak=now_lak, next_income_lak=then_lak if then_lak != now_lak else None)
