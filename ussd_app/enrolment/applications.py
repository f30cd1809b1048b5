"""Applications to the voluntary scheme: saved from the phone, then approved or rejected by staff
once they have seen the documents. Each function works in the caller's transaction; the caller
commits, then queues the SMS whose ids it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms import outbox
from sms.templates import TemplateSource
from ussd_app.engine.effects import ApplicationSubmitted
from ussd_app.engine.text import Day, Money
from ussd_app.enrolment.models import Application, ApplicationStatus, DeclaredIncome, IdKind
from ussd_app.enrolment.references import payment_reference
from ussd_app.enrolment.store import DuesPolicy, dues_of, ledger_of
from ussd_app.events import bus
from ussd_app.events.models import EventKind
from ussd_app.members.models import Member, MemberStatus, Scheme

SSN_DIGITS = (6, 13)


class DecisionError(ValueError):
    """A decision that cannot be made as asked; the message says why, for the member of staff."""


def save(session: Session, e: ApplicationSubmitted) -> None:
    """Keep an application sent by phone (once: a replayed hop of the same session saves nothing)."""
    if session.execute(select(Application.id).where(Application.session_id == e.session_id)).first():
        return
    application = Application(
        reference=e.reference, session_id=e.session_id, phone=e.phone, language=e.language, id_kind=e.id_kind,
        id_number=e.id_number, date_of_birth=date.fromisoformat(e.date_of_birth), sex=e.sex, province=e.province,
        district=e.district, occupation=e.occupation, declared_income_lak=e.income_lak, full_name=e.full_name)
    try:
        with session.begin_nested():
            session.add(application)
    except IntegrityError:  # the same session's twin hop saved it a moment ago
        pass


def declare_income(session: Session, member_id: int, from_period: str, income_lak: int, *, source: str) -> None:
    """The member's income from `from_period` on; a second change for the same month replaces the first."""
    found = session.execute(select(DeclaredIncome).where(DeclaredIncome.member_id == member_id,
                                                         DeclaredIncome.from_period == from_period)).scalar()
    if found is not None:
        found.income_lak, found.source = income_lak, source
    else:
        session.add(DeclaredIncome(member_id=member_id, from_period=from_period, income_lak=income_lak, source=source))


@dataclass(frozen=True)
class Decided:
    application: Application
    message_ids: list[int]  # SMS to queue once the caller has committed


def approve(session: Session, application_id: int, *, ssn: str, full_name: str, staff: str, now: datetime,
            today: date, policy: DuesPolicy, templates: TemplateSource, service_code: str) -> Decided:
    """Make the member, link the phone that applied (its PIN is chosen on the next dial), and
    send the welcome SMS with the first amount due and how to pay it."""
    application = _open(session, application_id)
    ssn, full_name = ssn.strip(), " ".join(full_name.split())
    if not (ssn.isascii() and ssn.isdigit() and SSN_DIGITS[0] <= len(ssn) <= SSN_DIGITS[1]):
        raise DecisionError(f"The social security number is {SSN_DIGITS[0]} to {SSN_DIGITS[1]} digits.")
    if not full_name:
        raise DecisionError("Type the member's name as it is on the documents.")
    if session.execute(select(Member.id).where(Member.ssn == ssn)).first():
        raise DecisionError(f"Social security number {ssn} belongs to another member already.")
    national_id = application.id_number if application.id_kind == IdKind.NATIONAL_ID.value else None
    if national_id and session.execute(select(Member.id).where(Member.national_id == national_id)).first():
        raise DecisionError("A member with this national ID exists already: link that record instead.")
    if session.execute(select(Member.id).where(Member.phone == application.phone,
                                               Member.linked_at.is_not(None))).first():
        raise DecisionError("The phone that applied is linked to another member now. Ask the applicant which "
                            "phone to use; the office can change it on the member's record.")
    member = Member(ssn=ssn, national_id=national_id, full_name=full_name, phone=application.phone,
                    date_of_birth=application.date_of_birth, sex=application.sex, scheme=Scheme.VOLUNTARY.value,
                    status=MemberStatus.ACTIVE.value, registered_on=today, province=application.province,
                    district=application.district, language=application.language, in_arrears=False, linked_at=now)
    session.add(member)
    session.flush()
    first = f"{today.year:04d}-{today.month:02d}"
    declare_income(session, member.id, first, application.declared_income_lak, source="application")
    session.flush()
    application.status, application.decided_at, application.decided_by = ApplicationStatus.APPROVED.value, now, staff
    application.member_id = member.id
    bus.emit(session, EventKind.REGISTERED, member.id, now, scheme=Scheme.VOLUNTARY.value, channel="ussd")
    owed = dues_of(ledger_of(session, member.id, today, today, policy), today, policy)
    values = {"ssn": ssn, "total": Money(owed.total_lak), "due_date": Day(owed.due_date),
              "reference": payment_reference(member.id), "service_code": service_code}
    message = outbox.add(session, templates, recipient=application.phone, kind="application_approved",
                         language=application.language, values=values, key=f"application_approved:{application.id}",
                         member_id=member.id)
    return Decided(application, [message.id] if message else [])


def reject(session: Session, application_id: int, *, reason: str, staff: str, now: datetime,
           templates: TemplateSource) -> Decided:
    """Close the application with the reason, which the applicant gets by SMS. Nothing else
    happens: no member, no event for partners."""
    application = _open(session, application_id)
    reason = " ".join(reason.split())
    if not reason:
        raise DecisionError("Say why, in words the applicant understands: they get it by SMS.")
    application.status, application.decided_at, application.decided_by = ApplicationStatus.REJECTED.value, now, staff
    application.reason = reason
    message = outbox.add(session, templates, recipient=application.phone, kind="application_rejected",
                         language=application.language, values={"reference": application.reference,
                                                               "reason": reason},
                         key=f"application_rejected:{application.id}")
    return Decided(application, [message.id] if message else [])


def _open(session: Session, application_id: int) -> Application:
    # Locked: two members of staff deciding at once must not both succeed.
    application = session.execute(select(Application).where(Application.id == application_id)
                                  .with_for_update()).scalar()
    if application is None:
        raise DecisionError("No such application.")
    if application.status != ApplicationStatus.OPEN.value:
        raise DecisionError(f"Application {application.reference} was {application.status} already.")
    return application

