"""The voluntary scheme in the demo (`make run`): an application waiting in the console's queue,
a member approved by staff who has not chosen a PIN yet, and a bank statement to import.

Kept apart from the demo data set's CSV files (members/demo): those are the members an import
brings; these are what the phone channel adds.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ussd_app.enrolment.applications import declare_income
from ussd_app.enrolment.models import Application, ApplicationStatus
from ussd_app.enrolment.payments import COLUMNS
from ussd_app.enrolment.references import application_reference, payment_reference
from ussd_app.enrolment.store import DuesPolicy, dues_of, ledger_of
from ussd_app.members.models import Member, MemberStatus, Scheme

WAITING_PHONE = "+8562099991111"  # its application waits for staff
APPROVED_PHONE = "+8562099992222"  # approved: the PIN is chosen on the next dial
APPROVED_SSN = "3009990001"
BEHIND_SSN = "3002345678"  # the showcase member behind with payments (members/demo/showcase.py)
UP_TO_DATE_SSN = "3006789012"  # the showcase member who pays the minimum: a payment short of a month


@dataclass(frozen=True)
class _Applicant:
    phone: str
    name: str
    id_number: str
    born: date
    sex: str
    province: str
    district: str
    occupation: str
    income_lak: int
    days_ago: int


WAITING = _Applicant(WAITING_PHONE, "Noy Keomany", "119950412001", date(1995, 4, 12), "F", "Savannakhet",
                     "Kaysone Phomvihane", "trader", 3_000_000, 3)
APPROVED = _Applicant(APPROVED_PHONE, "Bounthanh Sihalath", "119870808002", date(1987, 8, 8), "M", "Champasak",
                      "Pakse", "farmer", 2_500_000, 20)


def seed_enrolment_demo(session: Session, now: datetime, today: date) -> bool:
    """Once: False if there are applications already. The caller commits."""
    if session.execute(select(Application.id).limit(1)).first():
        return False
    for number, person in enumerate((WAITING, APPROVED), start=900001):
        session.add(_application(number, person, now))
    session.flush()
    approved = session.execute(select(Application).where(Application.phone == APPROVED_PHONE)).scalar_one()
    registered = (now - timedelta(days=APPROVED.days_ago - 2)).date()
    member = Member(ssn=APPROVED_SSN, national_id=APPROVED.id_number, full_name=APPROVED.name, phone=APPROVED.phone,
                    date_of_birth=APPROVED.born, sex=APPROVED.sex, scheme=Scheme.VOLUNTARY.value,
                    status=MemberStatus.ACTIVE.value, registered_on=registered, province=APPROVED.province,
                    district=APPROVED.district, language="lo", in_arrears=False, linked_at=now)
    session.add(member)
    session.flush()
    declare_income(session, member.id, f"{registered.year:04d}-{registered.month:02d}", APPROVED.income_lak,
                   source="application")
    approved.status, approved.member_id = ApplicationStatus.APPROVED.value, member.id
    approved.decided_at, approved.decided_by = now - timedelta(days=APPROVED.days_ago - 2), "demo"
    return True


def _application(number: int, person: _Applicant, now: datetime) -> Application:
    return Application(
        reference=application_reference(number), session_id=f"demo-{number}", phone=person.phone, language="lo",
        id_kind="national_id", id_number=person.id_number, date_of_birth=person.born, sex=person.sex,
        province=person.province, district=person.district, occupation=person.occupation,
        declared_income_lak=person.income_lak, full_name=person.name, created_at=now - timedelta(days=person.days_ago))


def sample_statement(session: Session, today: date, policy: DuesPolicy) -> str:
    """A statement as a bank would send it: each member approved by phone and the member behind
    with payments pay what they owe, one member pays less than a month, and one line quotes a
    reference with a wrong check digit (the import rejects it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    approved = select(Application.member_id).where(Application.status == ApplicationStatus.APPROVED.value)
    members = session.execute(select(Member.id, Member.registered_on).where(
        (Member.id.in_(approved)) | (Member.ssn == BEHIND_SSN)).order_by(Member.id)).all()
    paid_at = f"{today.isoformat()} 09:30"
    for member_id, registered_on in members:
        owed = dues_of(ledger_of(session, member_id, registered_on, today, policy), today, policy)
        if owed.total_lak:
            reference = payment_reference(member_id)
            writer.writerow([reference, owed.total_lak, paid_at, f"BCEL-{reference}-{owed.months[-1][0]}"])
    up_to_date = session.execute(select(Member.id).where(Member.ssn == UP_TO_DATE_SSN)).scalar()
    if up_to_date is not None:
        reference = payment_reference(up_to_date)
        writer.writerow([reference, 100_000, paid_at, f"MMONEY-{reference}-{today.isoformat()}"])
    wrong = payment_reference(members[0][0] if members else 1)
    wrong = wrong[:-1] + str((int(wrong[-1]) + 1) % 10)  # one digit mistyped at the counter
    writer.writerow([wrong, 225_000, paid_at, f"BCEL-TYPO-{today.isoformat()}"])
    return out.getvalue()
