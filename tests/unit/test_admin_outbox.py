"""The admin console's SMS outbox page: what staff see, what they can narrow it to, and what they never see."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from sms.models import ReminderRun, SmsMessage
from tests.admin_helpers import PASSWORD
from tests.demo_people import ALMOST, BEHIND, TO_LINK_LO
from tests.ussd_dsl import ussd
from ussd_app.core.extensions import clients
from ussd_app.text.phones import mask

VIEWER = "viewer@lsso.gov.la"


@pytest.fixture
def app(app_on_demo_data) -> Flask:  # type: ignore[no-untyped-def]
    """As conftest's app, but the session cookie also travels over the test client's plain http."""
    return app_on_demo_data(ADMIN_COOKIE_SECURE=False)


def sign_in(client: FlaskClient, runner: FlaskCliRunner, email: str = VIEWER, role: str = "viewer") -> None:
    made = runner.invoke(args=["admin", "create-user", email, "--role", role, "--password", PASSWORD,
                               "--language", "en"])
    assert made.exit_code == 0, made.output
    form = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'id="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, form
    response = client.post("/admin/login", data={"email": email, "password": PASSWORD, "csrf_token": token[1]})
    assert response.status_code == 302 and "/admin/login" not in response.location


@pytest.fixture
def viewer(client: FlaskClient, runner: FlaskCliRunner) -> FlaskClient:
    sign_in(client, runner)
    return client


def all_messages(app: Flask) -> list[SmsMessage]:
    clients(app).queue.drain()
    with clients(app).sessions() as s:
        return list(s.execute(select(SmsMessage).order_by(SmsMessage.id)).scalars())


@pytest.fixture
def filled(app: Flask, client: FlaskClient, runner: FlaskCliRunner) -> list[SmsMessage]:
    """A confirmation that then failed (by AT's delivery report), and a reminder run's messages."""
    phone, ssn, dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn, dob, "4826", "4826").ends()
    result = runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    assert result.exit_code == 0, result.output
    [linked] = [m for m in all_messages(app) if m.kind == "phone_linked"]
    with clients(app).sessions() as s:  # as if it had gone through Africa's Talking, not the local outbox
        s.execute(update(SmsMessage).where(SmsMessage.id == linked.id).values(status="sent"))
        s.commit()
    report = client.post("/sms/africastalking/delivery", data={"id": linked.provider_message_id, "status": "Failed",
                                                             "phoneNumber": phone, "failureReason": "AbsentSubscriber"})
    assert report.get_data(as_text=True) == "updated"
    return all_messages(app)


def page(client: FlaskClient, **args: str) -> str:
    response = client.get("/admin/outbox", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_ids(html: str) -> set[int]:
    """The ids of the message rows on the page (each row shows '#id' under its time)."""
    return {int(i) for i in re.findall(r'<span class="muted">#(\d+)</span>', html)}


def ids(messages: list[SmsMessage], **where: str) -> set[int]:
    return {m.id for m in messages if all(getattr(m, k) == v for k, v in where.items())}


def test_signed_out_staff_are_sent_to_the_sign_in_page(client):
    response = client.get("/admin/outbox?status=failed")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")


def test_every_message_shows_newest_first_with_masked_numbers_only(app, viewer, filled):
    html = page(viewer)
    assert shown_ids(html) == ids(filled)
    positions = [html.index(f'<span class="muted">#{m.id}</span>') for m in filled]
    assert positions == sorted(positions, reverse=True), "newest first"
    for phone in {m.recipient for m in filled}:
        national = "0" + phone[4:]
        assert phone not in html and phone[1:] not in html and national not in html
        assert mask(phone) in html


def test_status_filter(viewer, filled):
    failed = page(viewer, status="failed")
    assert shown_ids(failed) == ids(filled, status="failed") == ids(filled, kind="phone_linked")
    assert "Failed: AbsentSubscriber" in failed and "report Failed AbsentSubscriber" in failed  # error and history
    assert shown_ids(page(viewer, status="stored")) == ids(filled, status="stored")
    assert shown_ids(page(viewer, status="queued")) == set()


def test_kind_filter(viewer, filled):
    arrears = ids(filled, kind="reminder_arrears")
    assert arrears and arrears != ids(filled)
    html = page(viewer, kind="reminder_arrears")
    assert shown_ids(html) == arrears
    assert "ປກສ: ທ່ານຄ້າງເງິນສົມທົບ" in html  # staff can read what was sent


def test_phone_filter_takes_a_local_number(viewer, filled):
    html = page(viewer, phone="020 5552 3456")  # BEHIND, as staff would type it
    assert shown_ids(html) == ids(filled, recipient=BEHIND) and len(ids(filled, recipient=BEHIND)) == 2
    assert BEHIND not in html and mask(BEHIND) in html
    assert shown_ids(page(viewer, phone="2055567890", kind="reminder_due")) == \
        ids(filled, recipient=ALMOST, kind="reminder_due")


def test_an_unreadable_phone_says_so_and_lists_nothing(viewer, filled):
    html = page(viewer, phone="12ab")
    assert "Could not read the phone number" in html
    assert shown_ids(html) == set()


def test_counts_by_status(viewer, filled):
    html = page(viewer, status="failed")  # counts are for the whole outbox, whatever the filter
    def count(label: str) -> int:
        found = re.search(rf">{re.escape(label)}</span>\s*(?:<a [^>]*>)?<strong>(\d+)</strong>", html)
        assert found, label
        return int(found[1])

    # The local outbox keeps what it is given: "stored locally (not sent)", not "sent".
    assert count("stored locally (not sent)") == len(ids(filled, status="stored")) > 0
    assert count("sent") == len(ids(filled, status="sent")) == 0
    assert (count("failed"), count("queued"), count("in doubt")) == (1, 0, 0)


def test_the_reminder_run_shows_its_progress_counts_and_skip_reasons(app, viewer, filled):
    with clients(app).sessions() as s:
        run = s.execute(select(ReminderRun)).scalar_one()
    skipped = json.loads(run.skipped)
    assert skipped, "the demo data has members to skip"
    html = page(viewer)
    runs = html[html.index("Reminder runs"):]
    assert "2026-12-13" in runs and f"{run.processed} / {run.selected} members" in runs
    assert f">{run.queued}</td>" in runs and run.queued == len(ids(filled, kind="reminder_due")) + \
        len(ids(filled, kind="reminder_arrears"))
    for reason, count in skipped.items():
        assert f"{reason}: {count}" in runs
    assert '<rect width="100%"' in runs  # a finished run's bar is full


def test_older_link_pages_through_the_rest(app, client, viewer):
    for n in range(23):  # each STOP is confirmed by SMS: 23 messages by a real path
        client.post("/sms/africastalking/inbound", data={"from": BEHIND, "to": "21212", "text": "STOP",
                                                        "id": f"in-{n}", "date": "", "linkId": ""})
    every = ids(all_messages(app))
    assert len(every) == 23
    first = page(viewer, per_page="20", kind="opted_out")
    assert len(shown_ids(first)) == 20 and min(shown_ids(first)) > max(every - shown_ids(first))
    older = re.search(r'href="([^"]*before=\d+[^"]*)">older', first)
    assert older, "a full page links to older messages"
    second = viewer.get(older[1].replace("&amp;", "&")).get_data(as_text=True)
    assert shown_ids(second) == every - shown_ids(first)
    assert "older" not in second.split("Reminder runs")[0].split("</table>")[-1]  # the last page has no older link


def test_a_number_inside_free_text_is_masked_too():
    """A provider's error or an event may quote the recipient; the page must not."""
    from ussd_app.admin.views.outbox import scrub

    text = scrub(f"InvalidPhoneNumber {BEHIND} (dialled as 02055523456, 2055523456 or 8562055523456)", BEHIND)
    assert all(form not in text for form in (BEHIND, "02055523456", "2055523456", "8562055523456"))
    assert mask(BEHIND) in text and "108,000" in scrub("108,000 ກີບ", BEHIND)
