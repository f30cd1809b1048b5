"""The console's Applications page, as the staff who check documents see it: the open applications
oldest first, narrowed by province, status and waiting time; a publisher approves with the SSN
issued (a member, the phone linked, the welcome SMS, an event for partners) or rejects with a
reason (an SMS, nothing else); refusals change nothing; everything audited. And the enrolment
line of the Analytics page."""

from __future__ import annotations

import html
import itertools
import re
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from sms.models import SmsMessage
from tests.admin_helpers import Staff
from tests.demo_people import FROZEN_NOW, PENSIONER_SSN, STRANGER
from tests.ussd_dsl import ussd
from ussd_app.admin.models import AuditEntry
from ussd_app.core.extensions import clients
from ussd_app.enrolment.models import Application, DeclaredIncome, Payment
from ussd_app.enrolment.references import payment_reference
from ussd_app.events.models import DomainEvent, EventKind
from ussd_app.members.models import Member

_numbers = itertools.count(1)
_LISTED = re.compile(r'<tbody id="application-\d+" data-reference="([^"]+)" data-status="(\w+)">')
_ENROLMENT = re.compile(r'<tr data-province="([^"]*)">(.*?)</tr>', re.S)
_CELL = re.compile(r'<td class="num" data-col="(\w+)"[^>]*>([^<]*)</td>')


@pytest.fixture
def app(app_on_demo_data) -> Flask:  # type: ignore[no-untyped-def]
    return app_on_demo_data(ADMIN_COOKIE_SECURE=False)


def applied(app: Flask, days_ago: float = 1, *, province: str = "Vientiane Capital", district: str = "Chanthabuly",
            status: str = "open", name: str | None = "Somchay Phommavong", income: int = 1_500_000,
            id_kind: str = "national_id", language: str = "lo", member_id: int | None = None) -> Application:
    """An application as the phone saves it, `days_ago` before the tests' now."""
    n = next(_numbers)
    row = Application(reference=f"AP{n:06d}", session_id=f"s-{n}", phone=f"+85620777{n:05d}", language=language,
                      id_kind=id_kind, id_number=f"77{n:08d}", date_of_birth=date(1990, 5, 17), sex="F",
                      province=province, district=district, occupation="trader", declared_income_lak=income,
                      full_name=name, status=status, created_at=FROZEN_NOW - timedelta(days=days_ago),
                      member_id=member_id)
    with clients(app).sessions() as s:
        s.add(row)
        s.commit()
    return row


def listed(page: str) -> list[str]:
    return [reference for reference, _status in _LISTED.findall(page)]


def count(app: Flask, model: type, *where: object) -> int:
    with clients(app).sessions() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()  # type: ignore[arg-type]


def signed_in(app: Flask, role: str) -> Staff:
    staff = Staff(app, f"{role}@lsso.gov.la", role)
    staff.sign_in()
    return staff


# ---- the queue ---------------------------------------------------------------------------------

def test_the_queue_lists_open_applications_oldest_first_with_what_staff_check(app):
    recent = applied(app, 2, name=None)
    oldest = applied(app, 40, province="Champasak", district="Pakse", income=2_500_000)
    middle = applied(app, 10, id_kind="family_book", language="en")
    applied(app, 50, status="approved")
    applied(app, 60, status="rejected")
    viewer = signed_in(app, "viewer")
    assert viewer.get("/admin/applications").status_code == 200
    page = viewer.last
    assert listed(page) == [oldest.reference, middle.reference, recent.reference]
    row = page.split(f'data-reference="{oldest.reference}"')[1].split("</tbody>")[0]
    assert "2026-10-11" in row and "40 days" in row  # received, Vientiane date, and days waiting
    assert "1990-05-17" in row and "36 years" in row and "female" in row
    assert "Champasak" in row and "ຈຳປາສັກ" in row and "Pakse" in row
    assert "Trader, vendor" in row and "2,500,000" in row and "225,000" in row  # 9% a month
    assert "+856207*****" in row and oldest.phone not in page  # masked, never whole
    assert "National ID" in row and oldest.id_number in row
    recent_row = page.split(f'data-reference="{recent.reference}"')[1].split("</tbody>")[0]
    assert "<td>—</td>" in recent_row  # no name typed
    assert "Family book" in page
    assert "/approve" not in page and "/reject" not in page  # a viewer reads: no forms
    assert 'href="/admin/applications"' in page  # in the console's navigation


def test_filters_by_province_status_and_waiting_time_are_kept_in_links(app):
    vte = applied(app, 3)
    cps = applied(app, 20, province="Champasak", district="Pakse")
    old_cps = applied(app, 45, province="Champasak", district="Pakse")
    approved = applied(app, 8, status="approved")
    rejected = applied(app, 9, status="rejected")
    viewer = signed_in(app, "viewer")
    viewer.get("/admin/applications?province=Champasak")
    assert listed(viewer.last) == [old_cps.reference, cps.reference]
    viewer.get("/admin/applications?older_than=30")
    assert listed(viewer.last) == [old_cps.reference]
    viewer.get("/admin/applications?older_than=7")
    assert listed(viewer.last) == [old_cps.reference, cps.reference]
    viewer.get("/admin/applications?status=approved")
    assert listed(viewer.last) == [approved.reference]
    viewer.get("/admin/applications?status=all&province=Vientiane+Capital")
    assert set(listed(viewer.last)) == {vte.reference, approved.reference, rejected.reference}
    # Selected in the form, and kept by the status cards' links.
    assert '<option value="Vientiane Capital" selected>' in viewer.last
    assert "province=Vientiane+Capital" in html.unescape(viewer.last)
    # Values the page does not know are named, never an error page.
    bad = viewer.get("/admin/applications?province=Atlantis&status=lost&older_than=abc&after=-3")
    assert bad.status_code == 200
    assert "Unknown province" in viewer.last and "Unknown status" in viewer.last
    assert len(listed(viewer.last)) == 3  # the open ones, every province


def test_a_long_queue_is_paged_keeping_its_filters(app):
    made = [applied(app, 100 - n / 10, province="Oudomxay", district="Xay") for n in range(53)]
    applied(app, 200)  # another province
    viewer = signed_in(app, "viewer")
    viewer.get("/admin/applications?province=Oudomxay")
    assert listed(viewer.last) == [a.reference for a in made[:50]]
    found = re.search(r'href="([^"]+)">next page »', viewer.last)
    assert found and "province=Oudomxay" in found[1]
    viewer.get(html.unescape(found[1]))
    assert listed(viewer.last) == [a.reference for a in made[50:]]
    assert "next page" not in viewer.last and "first page" in viewer.last


# ---- deciding ----------------------------------------------------------------------------------

def test_approval_makes_the_member_links_the_phone_and_sends_the_welcome_sms(app):
    application = applied(app, 5, name="Noy Keomany", income=1_500_000)
    events_before = count(app, DomainEvent, DomainEvent.kind == EventKind.REGISTERED.value)
    publisher = signed_in(app, "publisher")
    publisher.get("/admin/applications?province=Vientiane+Capital")
    assert 'value="Noy Keomany"' in publisher.last  # the typed name, ready to correct
    done = publisher.post(f"/admin/applications/{application.id}/approve?province=Vientiane+Capital",
                          {"ssn": " 4001234567 ", "full_name": "Noy  KEOMANY"})
    assert done.status_code == 302 and done.location.endswith("/admin/applications?province=Vientiane+Capital")
    page = publisher.get(done.location).get_data(as_text=True)
    assert f"Application {application.reference} approved" in page and application.reference not in listed(page)
    clients(app).queue.drain()
    with clients(app).sessions() as s:
        member = s.execute(select(Member).where(Member.ssn == "4001234567")).scalar_one()
        assert (member.scheme, member.phone, member.full_name) == ("voluntary", application.phone, "Noy KEOMANY")
        assert member.linked_at is not None and member.pin_hash is None  # the PIN comes on the next dial
        assert member.national_id == application.id_number and member.province == "Vientiane Capital"
        declared = s.execute(select(DeclaredIncome).where(DeclaredIncome.member_id == member.id)).scalar_one()
        assert (declared.income_lak, declared.from_period) == (1_500_000, "2026-11")
        saved = s.get(Application, application.id)
        assert (saved.status, saved.member_id, saved.decided_by) == ("approved", member.id, "publisher@lsso.gov.la")
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "application approved")).scalar_one()
        assert audit.actor == "publisher@lsso.gov.la" and audit.target == f"application {application.reference}"
        assert "4001234567" in audit.detail
        sms = s.execute(select(SmsMessage).where(SmsMessage.kind == "application_approved")).scalar_one()
        assert sms.recipient == application.phone and sms.member_id == member.id
        assert "4001234567" in sms.body and payment_reference(member.id) in sms.body and "*211#" in sms.body
        events = s.execute(select(DomainEvent).where(DomainEvent.kind == EventKind.REGISTERED.value,
                                                     DomainEvent.member_id == member.id)).scalars().all()
        assert len(events) == 1
    assert count(app, DomainEvent, DomainEvent.kind == EventKind.REGISTERED.value) == events_before + 1
    publisher.get("/admin/applications?status=approved")
    assert application.reference in listed(publisher.last) and "4001234567" in publisher.last


def test_rejection_needs_a_reason_and_sends_only_an_sms(app):
    application = applied(app, 5, language="en")
    members, events = count(app, Member), count(app, DomainEvent)
    publisher = signed_in(app, "publisher")
    publisher.get("/admin/applications")
    assert "gets this reason by SMS, in English" in publisher.last
    empty = publisher.post(f"/admin/applications/{application.id}/reject", {"reason": "   "})
    assert empty.status_code == 400 and "Say why" in publisher.last and "Nothing was changed" in publisher.last
    too_long = publisher.post(f"/admin/applications/{application.id}/reject", {"reason": "x" * 161},
                              page="/admin/applications")
    assert too_long.status_code == 400 and "at most 160 characters" in publisher.last
    assert count(app, Application, Application.status == "open") == 1
    assert count(app, SmsMessage, SmsMessage.kind == "application_rejected") == 0
    reason = "The ID card number does not match the card shown"
    done = publisher.post(f"/admin/applications/{application.id}/reject", {"reason": reason},
                          page="/admin/applications")
    assert done.status_code == 302
    assert "rejected. The applicant gets the reason by SMS" in publisher.get(done.location).get_data(as_text=True)
    clients(app).queue.drain()
    with clients(app).sessions() as s:
        saved = s.get(Application, application.id)
        assert (saved.status, saved.reason, saved.member_id) == ("rejected", reason, None)
        sms = s.execute(select(SmsMessage).where(SmsMessage.kind == "application_rejected")).scalar_one()
        assert reason in sms.body and application.reference in sms.body and sms.recipient == application.phone
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "application rejected")).scalar_one()
        assert reason in audit.detail and audit.actor == "publisher@lsso.gov.la"
    assert count(app, Member) == members and count(app, DomainEvent) == events  # no member, nothing for partners


def test_a_refused_approval_shows_why_and_changes_nothing(app):
    first, second = applied(app, 5), applied(app, 4)
    publisher = signed_in(app, "publisher")
    publisher.get("/admin/applications")
    before = {"members": count(app, Member), "sms": count(app, SmsMessage), "events": count(app, DomainEvent)}
    taken = publisher.post(f"/admin/applications/{first.id}/approve", {"ssn": PENSIONER_SSN, "full_name": "A B"})
    assert taken.status_code == 400 and "belongs to another member already" in publisher.last
    assert f'value="{PENSIONER_SSN}"' in publisher.last  # what was typed is still there to correct
    for junk in ("12ab56", "໑໒໓໔໕໖໗", "1" * 30, ""):
        refused = publisher.post(f"/admin/applications/{first.id}/approve", {"ssn": junk, "full_name": "A B"},
                                 page="/admin/applications")
        assert refused.status_code == 400 and "Nothing was changed" in publisher.last
    no_name = publisher.post(f"/admin/applications/{first.id}/approve", {"ssn": "4001234567", "full_name": " "},
                             page="/admin/applications")
    assert no_name.status_code == 400 and "name as it is on the documents" in publisher.last
    missing = publisher.post("/admin/applications/999999/approve", {"ssn": "4001234567", "full_name": "A B"},
                             page="/admin/applications")
    assert missing.status_code == 400 and "No such application" in publisher.last
    assert {"members": count(app, Member), "sms": count(app, SmsMessage), "events": count(app, DomainEvent)} == before
    assert count(app, Application, Application.status == "open") == 2
    assert count(app, AuditEntry, AuditEntry.action.like("application %")) == 0

    ok = publisher.post(f"/admin/applications/{first.id}/approve", {"ssn": "4001234567", "full_name": "A B"},
                        page="/admin/applications")
    assert ok.status_code == 302
    again = publisher.post(f"/admin/applications/{first.id}/approve", {"ssn": "4009999999", "full_name": "A B"},
                           page="/admin/applications")
    assert again.status_code == 400 and f"{first.reference} was approved already" in html.unescape(publisher.last)
    same_ssn = publisher.post(f"/admin/applications/{second.id}/approve", {"ssn": "4001234567", "full_name": "C D"},
                              page="/admin/applications")
    assert same_ssn.status_code == 400 and "belongs to another member already" in publisher.last
    assert count(app, Member) == before["members"] + 1 and count(app, Application, Application.status == "open") == 1
    assert count(app, AuditEntry, AuditEntry.action == "application approved") == 1
    assert count(app, SmsMessage, SmsMessage.kind == "application_approved") == 1


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_staff_without_the_publisher_role_may_read_but_not_decide(app, role):
    application = applied(app, 5)
    staff = signed_in(app, role)
    assert staff.get("/admin/applications").status_code == 200 and application.reference in listed(staff.last)
    assert f"/admin/applications/{application.id}/approve" not in staff.last
    approve = staff.post(f"/admin/applications/{application.id}/approve", {"ssn": "4001234567", "full_name": "A B"})
    reject = staff.post(f"/admin/applications/{application.id}/reject", {"reason": "no"}, page="/admin/applications")
    assert approve.status_code == 403 and reject.status_code == 403
    assert count(app, Application, Application.status == "open") == 1
    refused = count(app, AuditEntry, AuditEntry.action == "refused", AuditEntry.actor == f"{role}@lsso.gov.la")
    assert refused == 2


def test_a_post_without_its_csrf_token_is_refused(app):
    application = applied(app, 5)
    publisher = signed_in(app, "publisher")
    refused = publisher.post(f"/admin/applications/{application.id}/reject", {"reason": "no"}, csrf=False)
    assert refused.status_code == 400 and "Form expired" in publisher.last
    assert count(app, Application, Application.status == "open") == 1


# ---- analytics ---------------------------------------------------------------------------------

def enrolment(staff: Staff, query: str = "") -> dict[str, dict[str, str]]:
    assert staff.get("/admin/analytics" + query).status_code == 200
    table = staff.last.split('<table id="enrolment"')[1].split("</table>")[0]
    return {province: dict(_CELL.findall(cells)) for province, cells in _ENROLMENT.findall(table)}


def test_the_analytics_page_counts_started_completed_approved_and_paid_by_province(app):
    client = app.test_client()
    for n in range(3):  # three sessions reach the first question; one of them twice, counted once
        convo = ussd(client).dial(STRANGER, session_id=f"join-{n}").press("3", "1").see("ທ່ານມີເອກະສານໃດ")
    convo.press("0", "1").see("ທ່ານມີເອກະສານໃດ")
    ussd(client).dial(STRANGER, session_id="other").press("4")  # contact screen only
    member_paid = _voluntary_member(app, "5001234567", paid=True)
    member_unpaid = _voluntary_member(app, "5001234568", paid=False)
    applied(app, 1, province="Champasak", district="Pakse", status="approved", member_id=member_paid)
    applied(app, 2, province="Champasak", district="Pakse", status="approved", member_id=member_unpaid)
    applied(app, 3, province="Champasak", district="Pakse")
    applied(app, 4, province="Luang Prabang", district="Luang Prabang", status="rejected")
    applied(app, 20, province="Champasak", district="Pakse", status="approved", member_id=member_paid)  # earlier
    viewer = signed_in(app, "viewer")
    week = enrolment(viewer)
    assert week["All provinces"] == {"started": "3", "completed": "4", "approved": "2", "paid": "1"}
    assert week["Champasak"] == {"started": "—", "completed": "3", "approved": "2", "paid": "1"}
    assert week["Luang Prabang"] == {"started": "—", "completed": "1", "approved": "0", "paid": "0"}
    assert week["Attapeu"]["completed"] == "0" and len(week) == 19  # every province, then all of them
    month = enrolment(viewer, "?days=30")
    assert month["Champasak"] == {"started": "—", "completed": "4", "approved": "3", "paid": "2"}
    assert enrolment(viewer, "?days=7&lang=en")["All provinces"]["started"] == "3"  # the filters do not apply
    assert "the province is asked later" in viewer.last


def _voluntary_member(app: Flask, ssn: str, paid: bool) -> int:
    with clients(app).sessions() as s:
        member = Member(ssn=ssn, full_name="Test Member", phone=None, date_of_birth=date(1990, 1, 1), sex="M",
                        scheme="voluntary", status="active", province="Champasak", language="lo")
        s.add(member)
        s.flush()
        if paid:
            s.add(Payment(transaction_id=f"tx-{ssn}", reference=payment_reference(member.id), member_id=member.id,
                          amount_lak=135_000, applied_lak=135_000, periods="2026-11", status="applied",
                          paid_at=datetime(2026, 11, 19, 3, 0), source_file="statement.csv"))
        s.commit()
        return member.id

