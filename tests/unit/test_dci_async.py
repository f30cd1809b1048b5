"""The partner API's asynchronous side, as a partner meets it: a request acknowledged at once and
answered by a signed callback to its registered address; subscriptions and the notifications
that follow events (a phone linked on USSD, a member imported, a status changed, a voluntary
member falling behind); transaction status; IBR's sync/enrolled. Callbacks travel real HTTP to
a partner stub on 127.0.0.1; every one is validated against the DCI specification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.dci_partner import (
    Partner,
    assert_bearer_from_lsso,
    assert_signed_by_lsso,
    register,
    search_message,
    subscribe_message,
)
from tests.dci_schemas import validate_request, validate_response, validate_schema
from tests.demo_people import BEHIND_SSN, FROZEN_NOW, PENSIONER_SSN, TO_LINK_EN, TO_LINK_LO
from tests.partner_stub import PartnerStub
from ussd_app.core.extensions import clients
from ussd_app.dci import tasks
from ussd_app.dci.models import Callback, PartnerConsent
from ussd_app.members import importer
from ussd_app.members.cli import refresh_arrears
from ussd_app.members.models import Member
from ussd_app.ussd.runtime import runtime_of

WELFARE = ("--scope", "registry.search", "--scope", "registry.subscribe", "--scope", "lsso.contributions.read",
           "--purpose", "coordinate-benefits", "--purpose", "verify-enrolment")


@pytest.fixture
def stub() -> Iterator[PartnerStub]:
    partner_side = PartnerStub().start()
    yield partner_side
    partner_side.stop()


@pytest.fixture
def welfare(app, client, runner, stub) -> Partner:
    name = "welfare.gov.la"
    partner = Partner(client, name, *register(runner, name, *WELFARE, "--callback-url", stub.url), now=FROZEN_NOW)
    partner.get_token()
    return partner


def drain(app) -> None:  # type: ignore[no-untyped-def]
    clients(app).queue.drain()


def acked(response, partner: Partner, path: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    validate_response("core", path, body)
    assert_signed_by_lsso(partner.client, body, partner.now)
    assert body["message"]["ack_status"] == "ACK"
    return body


def callback(stub: PartnerStub, partner: Partner, path: str, count: int = 1) -> list[dict]:
    """The bodies posted to the partner at `path`: exactly `count`, valid DCI, signed by us."""
    posts = stub.wait_for(path, count)
    assert len(posts) == count, [p.path for p in stub.posts]
    for post in posts:
        validate_request("core", path, post.body, post.authorization)
        assert_signed_by_lsso(partner.client, post.body, partner.now)
        assert_bearer_from_lsso(partner.client, post.authorization, partner.name)
    return [post.body for post in posts]


def subscribe(app, welfare: Partner, stub: PartnerStub, event: str, filter_=None) -> str:  # type: ignore[no-untyped-def]
    before = len(stub.received("/registry/on-subscribe"))
    acked(welfare.send("/dci/registry/subscribe", "subscribe", subscribe_message(event, filter_),
                       sender_uri=stub.url), welfare, "/registry/subscribe")
    drain(app)
    answer = callback(stub, welfare, "/registry/on-subscribe", before + 1)[-1]["message"]["subscribe_response"][0]
    assert answer["status"] == "succ", answer
    code: str = answer["subscriptions"][0]["code"]
    return code


def notifications(app, stub: PartnerStub, welfare: Partner, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    drain(app)
    tasks.dispatch(app)  # rq cron's tick; the commit already queued one
    drain(app)
    return callback(stub, welfare, "/registry/notify", count)


# ---- async search ----------------------------------------------------------------------------

def test_an_async_search_is_acknowledged_then_answered_at_the_partners_on_search(app, welfare, stub):
    message = search_message("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    ack = acked(welfare.send("/dci/registry/search", "search", message, sender_uri=f"{stub.url}/"), welfare,
                "/registry/search")
    drain(app)
    [body] = callback(stub, welfare, "/registry/on-search")
    assert body["header"]["action"] == "on-search" and body["header"]["status"] == "succ"
    answer = body["message"]
    assert answer["correlation_id"] == ack["message"]["correlation_id"]
    assert answer["transaction_id"] == message["transaction_id"]
    [record] = answer["search_response"][0]["data"]["reg_records"]["records"]
    assert record["identifier"][0]["identifier_value"] == PENSIONER_SSN
    assert record["contributions"]["months_paid"] == 192  # its purpose and scope allow them


def test_the_transaction_status_tells_where_an_async_request_stands(app, welfare, stub):
    message = search_message("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    welfare.send("/dci/registry/search", "search", message)  # no sender_uri: the registered URL
    status_request = {"transaction_id": "status-1", "txnstatus_request": {
        "reference_id": "r1", "txn_type": "search", "attribute_type": "transaction_id",
        "attribute_value": message["transaction_id"]}}
    drain(app)
    response = welfare.send("/dci/registry/sync/txn/status", "txn-status", status_request)
    body = response.get_json()
    validate_response("core", "/registry/sync/txn/status", body)
    assert_signed_by_lsso(welfare.client, body, welfare.now)
    status = body["message"]["txnstatus_response"]
    assert status["txn_type"] == "on-search"
    assert status["txn_status"] == callback(stub, welfare, "/registry/on-search")[0]["message"]
    unknown = dict(status_request, txnstatus_request={**status_request["txnstatus_request"],
                                                      "attribute_value": "never-sent"})
    refused = welfare.send("/dci/registry/sync/txn/status", "txn-status", unknown).get_json()
    assert refused["header"]["status"] == "rjct" and "message" not in refused
    # … and asked asynchronously, the answer comes to txn/on-status.
    acked(welfare.send("/dci/registry/txn/status", "txn-status", dict(status_request, transaction_id="status-2")),
          welfare, "/registry/txn/status")
    drain(app)
    [on_status] = callback(stub, welfare, "/registry/txn/on-status")
    assert on_status["message"]["txnstatus_response"]["txn_status"]["transaction_id"] == message["transaction_id"]


def test_a_callback_goes_only_to_the_address_registered_for_the_partner(app, client, runner, welfare, stub):
    message = search_message("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    for elsewhere in ("http://127.0.0.1:9/steal", stub.url.replace("/dci-partner", "/other"),
                      stub.url + "-evil", "https://" + stub.url.removeprefix("http://")):
        response = welfare.send("/dci/registry/search", "search", message, sender_uri=elsewhere)
        assert response.status_code == 403, elsewhere
        assert response.get_json()["errors"][0]["code"] == "err.sender_uri.invalid"
    name = "nocallback.gov.la"
    bare = Partner(client, name, *register(runner, name, *WELFARE), now=FROZEN_NOW)
    bare.get_token()
    refused = bare.send("/dci/registry/search", "search", message, sender_uri=stub.url)
    assert refused.status_code == 403 and "no callback URL" in refused.get_json()["errors"][0]["message"]
    drain(app)
    assert stub.posts == []


def test_a_request_the_job_cannot_answer_is_called_back_refused(app, welfare, stub):
    acked(welfare.send("/dci/registry/search", "search", {"transaction_id": "t-bad"}), welfare, "/registry/search")
    drain(app)
    [body] = callback(stub, welfare, "/registry/on-search")
    assert body["header"]["status"] == "rjct" and body["header"]["status_reason_message"]


def test_a_partner_that_is_down_gets_its_callback_later_and_once(app, welfare, stub):
    stub.fail(503, times=2)
    welfare.send("/dci/registry/search", "search", search_message("idtype-value", {"type": "SSN",
                                                                                   "value": PENSIONER_SSN}))
    drain(app)
    clock = runtime_of(app).clock
    with clients(app).sessions() as s:
        row = s.execute(select(Callback)).scalar_one()
    assert (row.status, row.attempts) == ("queued", 1) and "503" in row.last_error
    assert tasks.send(app, row.id) == "skipped"  # not due yet
    clock.advance(timedelta(seconds=11))  # type: ignore[attr-defined]
    assert tasks.send(app, row.id) == "retry"
    clock.advance(timedelta(seconds=61))  # type: ignore[attr-defined]
    assert tasks.send(app, row.id) == "sent"
    assert tasks.send(app, row.id) == "skipped"  # a duplicate job sends nothing
    assert len(stub.received("/registry/on-search")) == 1 and len(stub.posts) == 3
    assert len({p.message_id for p in stub.posts}) == 1  # the same message each time: a partner can dedupe


def test_a_request_whose_job_could_not_be_queued_is_found_by_the_sweep(app, welfare, stub, monkeypatch):
    def redis_down(*args: object) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(clients(app).queue, "enqueue", redis_down)
    message = search_message("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
    acked(welfare.send("/dci/registry/search", "search", message), welfare, "/registry/search")  # kept all the same
    monkeypatch.undo()
    assert tasks.sweep(app) == 0  # too fresh to be called lost
    runtime_of(app).clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert tasks.sweep(app) == 1
    drain(app)
    [body] = callback(stub, welfare, "/registry/on-search")
    assert body["message"]["transaction_id"] == message["transaction_id"]


def test_a_callback_whose_sender_died_is_sent_again_as_the_same_message(app, welfare, stub):
    welfare.send("/dci/registry/search", "search", search_message("idtype-value", {"type": "SSN",
                                                                                   "value": PENSIONER_SSN}))
    drain(app)
    clock = runtime_of(app).clock
    with clients(app).sessions() as s:  # as if the worker was killed between its post and its record
        row = s.execute(select(Callback)).scalar_one()
        row.status, row.claimed_at = "sending", clock.now()
        s.commit()
    assert tasks.sweep(app) == 0  # a sender may still be at it
    clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert tasks.sweep(app) == 1
    drain(app)
    first, again = callback(stub, welfare, "/registry/on-search", 2)
    assert first["header"]["message_id"] == again["header"]["message_id"]  # the partner takes it once
    assert tasks.sweep(app) == 0


# ---- subscribe, notify, unsubscribe --------------------------------------------------------------

def test_a_subscriber_hears_of_a_phone_linked_on_ussd_and_stops_after_unsubscribing(app, welfare, stub, dial):
    code = subscribe(app, welfare, stub, "phone_linked")
    phone, ssn, dob = TO_LINK_LO
    dial(phone).press("1", ssn, dob, "4826", "4826").ends().see("ເຊື່ອມເບີສຳເລັດ")
    [note] = notifications(app, stub, welfare, 1)
    event = note["message"]["notify_event"][0]
    records = event["data"]["reg_records"]
    assert records["event"] == "lsso:RegistryEventType:phone_linked" and records["subscription_code"] == code
    assert records["records"][0]["identifier"][0]["identifier_value"] == ssn
    acked(welfare.send("/dci/registry/unsubscribe", "unsubscribe",
                       {"transaction_id": "u1", "timestamp": FROZEN_NOW.isoformat(), "subscription_codes": [code]}),
          welfare, "/registry/unsubscribe")
    drain(app)
    [gone] = callback(stub, welfare, "/registry/on-unsubscribe")
    assert gone["message"]["subscription_status"] == [{"code": code, "status": "unsubscribe"}]
    phone, ssn, dob = TO_LINK_EN
    dial(phone).press("5", "1", ssn, dob, "7391", "7391").ends()
    notifications(app, stub, welfare, 1)  # still the one: nothing for the second link


def test_a_filter_picks_the_members_a_subscriber_hears_of(app, welfare, stub, dial):
    subscribe(app, welfare, stub, "phone_linked",
              [{"expression1": {"attribute_name": "scheme", "operator": "eq", "attribute_value": "public"}}])
    dial(TO_LINK_LO[0]).press("1", TO_LINK_LO[1], TO_LINK_LO[2], "4826", "4826").ends()  # enterprise
    dial(TO_LINK_EN[0]).press("5", "1", TO_LINK_EN[1], TO_LINK_EN[2], "7391", "7391").ends()  # civil servant
    [note] = notifications(app, stub, welfare, 1)
    record = note["message"]["notify_event"][0]["data"]["reg_records"]["records"][0]
    assert record["identifier"][0]["identifier_value"] == TO_LINK_EN[1]
    assert record["enrolment"]["scheme"] == "public"


def test_imports_tell_subscribers_of_new_members_and_changed_statuses(app, welfare, stub):
    subscribe(app, welfare, stub, "registered")
    subscribe(app, welfare, stub, "status_changed")
    with clients(app).sessions() as s:
        pensioner = s.execute(select(Member).where(Member.ssn == PENSIONER_SSN)).scalar_one()
        header = "ssn,full_name,phone,date_of_birth,sex,scheme,registered_on,status,language\n"
        rows = (f"{pensioner.ssn},{pensioner.full_name},{pensioner.phone},{pensioner.date_of_birth},M,enterprise,"
                f"{pensioner.registered_on},retired,lo\n"
                "9990000001,Noy Keo,,1990-05-01,F,voluntary,2026-11-19,active,lo\n")
        report = importer.import_members(s, (header + rows).encode(), today=FROZEN_NOW.date())
        assert (report.inserted, report.updated) == (1, 1)
    notes = notifications(app, stub, welfare, 2)
    seen = {n["message"]["notify_event"][0]["data"]["reg_records"]["event"].rsplit(":", 1)[1]:
            n["message"]["notify_event"][0]["data"]["reg_records"]["records"][0] for n in notes}
    assert seen["registered"]["identifier"][0]["identifier_value"] == "9990000001"
    assert seen["status_changed"]["enrolment"]["status"] == "retired"
    notifications(app, stub, welfare, 2)  # a second tick owes nothing new


def test_a_voluntary_member_falling_behind_and_paying_again(app, welfare, stub):
    refresh_arrears(app)  # the standing as it is: recorded, no events
    subscribe(app, welfare, stub, "fell_into_arrears")
    subscribe(app, welfare, stub, "paid_again")
    clock = runtime_of(app).clock
    clock.advance(timedelta(days=26))  # type: ignore[attr-defined]  # 16 December: November's is due
    welfare.now = clock.now()
    fell, _ = refresh_arrears(app)
    assert fell >= 1
    notes = notifications(app, stub, welfare, fell)
    assert all(n["message"]["notify_event"][0]["data"]["reg_records"]["event"].endswith("fell_into_arrears")
               for n in notes)
    with clients(app).sessions() as s:
        csv = "ssn,period,insured_wage_lak,employee_lak,employer_lak,paid_on\n" + "".join(
            f"{BEHIND_SSN},2026-{month:02d},1000000,90000,0,2026-12-16\n" for month in (7, 8, 9, 10, 11))
        assert importer.import_contributions(s, csv.encode(), today=clock.today()).inserted == 5
    assert refresh_arrears(app) == (0, 1)
    again = notifications(app, stub, welfare, fell + 1)[-1]["message"]["notify_event"][0]["data"]["reg_records"]
    assert again["event"].endswith("paid_again")
    assert again["records"][0]["identifier"][0]["identifier_value"] == BEHIND_SSN
    assert again["records"][0]["contributions"]["last_period_paid"] == "2026-11"


def test_a_consent_partner_hears_only_of_members_who_said_yes(app, client, runner, stub, dial):
    name = "ngo.example.org"
    ngo = Partner(client, name, *register(runner, name, *WELFARE, "--basis", "consent", "--callback-url", stub.url),
                  now=FROZEN_NOW)
    ngo.get_token()
    subscribe(app, ngo, stub, "phone_linked")
    dial(TO_LINK_LO[0]).press("1", TO_LINK_LO[1], TO_LINK_LO[2], "4826", "4826").ends()
    notifications(app, stub, ngo, 0)
    with clients(app).sessions() as s:
        member_id = s.execute(select(Member.id).where(Member.ssn == TO_LINK_EN[1])).scalar_one()
        partner_id = s.execute(select(Callback.partner_id)).scalars().first()
        s.add(PartnerConsent(partner_id=partner_id, member_id=member_id, given=True))
        s.commit()
    dial(TO_LINK_EN[0]).press("5", "1", TO_LINK_EN[1], TO_LINK_EN[2], "7391", "7391").ends()
    [note] = notifications(app, stub, ngo, 1)
    assert note["message"]["notify_event"][0]["data"]["reg_records"]["records"][0]["identifier"][0][
        "identifier_value"] == TO_LINK_EN[1]


def test_a_subscription_to_an_event_we_do_not_have_is_refused(app, welfare, stub):
    welfare.send("/dci/registry/subscribe", "subscribe", subscribe_message("moved_house"))
    drain(app)
    [body] = callback(stub, welfare, "/registry/on-subscribe")
    answer = body["message"]["subscribe_response"][0]
    assert (answer["status"], answer["status_reason_code"]) == ("rjct", "rjct.notify_types.invalid")


# ---- IBR: enrolled -------------------------------------------------------------------------------

def enrolled(partner: Partner, query: dict, **criteria) -> dict:  # type: ignore[no-untyped-def]
    message = {"transaction_id": "e1", "enrolled_criteria": {"query_type": "idtype-value", "query": query,
                                                             "response_entity": "Member", **criteria}}
    response = partner.send("/dci/registry/sync/enrolled", "search", message)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert_signed_by_lsso(partner.client, body, partner.now)
    validate_schema("ibr", "EnrolledResponse", body["message"])
    answer: dict = body["message"]["enrolled_response"][0]
    return answer


def test_enrolled_says_whether_a_person_is_insured_in_which_scheme_and_status(welfare):
    insured = enrolled(welfare, {"person_identifier": {"eq": PENSIONER_SSN}})
    assert (insured["enrolled_status"], insured["scheme"], insured["member_status"]) == ("yes", "enterprise",
                                                                                          "active")
    by_uin = enrolled(welfare, {"type": "UIN", "value": "101001234567"})
    assert by_uin["enrolled_status"] == "yes"
    assert enrolled(welfare, {"person_identifier": {"eq": "0000000009"}})["enrolled_status"] == "no"
    other_scheme = enrolled(welfare, {"person_identifier": {"eq": PENSIONER_SSN},
                                      "programme_identifier.program.programme_identifier": {"eq": "voluntary"}})
    assert other_scheme["enrolled_status"] == "no"
    bad = enrolled(welfare, {"type": "PASSPORT", "value": "X"})
    assert bad["status"] == "rjct" and bad["status_reason_message"]
