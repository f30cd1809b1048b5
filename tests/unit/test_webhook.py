"""The AT webhook's contract: malformed requests get 400 with a reason, replays are idempotent,
the token guards it, health probes answer, and nothing a member types leaks into logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from sms.models import SmsMessage
from tests.demo_people import PENSIONER, PIN, STRANGER, TO_LINK_LO
from ussd_app.analytics.session_events import UssdSessionEvent
from ussd_app.core.extensions import clients
from ussd_app.members.models import Member

pytestmark = pytest.mark.both_databases  # the journeys on production's database too

URL = "/ussd/africastalking"
GOOD = {"sessionId": "s-1", "serviceCode": "*211#", "phoneNumber": STRANGER, "networkCode": "41801", "text": ""}


def post(client, data=None, raw: bytes | None = None, url: str = URL, content_type="application/x-www-form-urlencoded"):
    if raw is not None:
        return client.post(url, data=raw, content_type=content_type)
    return client.post(url, data=data)


def test_first_hop_answers_con_in_text_plain(client):
    response = post(client, GOOD)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("CON ")


@pytest.mark.parametrize("change, reason", [
    ({"sessionId": None}, "missing field(s): sessionId"),
    ({"phoneNumber": None, "text": None}, "missing field(s): phoneNumber, text"),
    ({"phoneNumber": "12345"}, "phoneNumber is not a valid phone number"),
    ({"phoneNumber": "not-a-phone"}, "phoneNumber is not a valid phone number"),
    ({"text": "1*" * 600}, "text is longer than 1000 characters"),
    ({"text": "1\x002"}, "text contains control characters"),
    ({"sessionId": "a\nb"}, "sessionId contains control characters"),
    ({"sessionId": "   "}, "sessionId is empty"),
    ({"sessionId": "x" * 101}, "sessionId is longer than 100 characters"),
])
def test_malformed_requests_get_400_with_a_one_line_reason(client, change, reason):
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = post(client, data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert body == f"bad request: {reason}"
    assert "\n" not in body


def test_non_utf8_bytes_get_400(client):
    response = post(client, raw=b"sessionId=s&serviceCode=*211%23&phoneNumber=%2B8562099990000&text=%FF%FE")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    response = post(client, raw=b"sessionId=s\xff&serviceCode=1&phoneNumber=%2B8562099990000&text=")
    assert response.status_code == 400


def test_wrong_content_type_gets_400(client):
    response = post(client, raw=b'{"sessionId": "s"}', content_type="application/json")
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.get_data(as_text=True)


def test_phone_may_come_in_local_form(client):
    response = post(client, {**GOOD, "phoneNumber": "020 5551 2345"})
    assert response.get_data(as_text=True).startswith("CON ປກສ\n1 ເງິນສົມທົບ")  # the linked member


def test_replay_of_a_hop_returns_same_screen_without_running_effects_again(app, client):
    phone, ssn, dob = TO_LINK_LO
    hop = {**GOOD, "sessionId": "replay-1", "phoneNumber": phone}
    steps = ["", "1", f"1*{ssn}", f"1*{ssn}*01011990"]  # the last one fails the identity check
    bodies = [post(client, {**hop, "text": t}).get_data(as_text=True) for t in steps]
    again = post(client, {**hop, "text": steps[-1]}).get_data(as_text=True)
    assert again == bodies[-1]
    assert "ເຫຼືອ 2 ເທື່ອ" in again  # one failure counted, not two
    # The next real hop continues from where the session stood.
    body = post(client, {**hop, "text": f"1*{ssn}*01011990*{ssn}"}).get_data(as_text=True)
    assert "ວັນເດືອນປີເກີດ" in body


def test_replay_of_the_linking_hop_links_once_and_answers_the_same(app, client):
    phone, ssn, dob = TO_LINK_LO
    hop = {**GOOD, "sessionId": "replay-2", "phoneNumber": phone}
    text = f"1*{ssn}*{dob}*4826*4826"
    first = post(client, {**hop, "text": text}).get_data(as_text=True)
    with clients(app).sessions() as s:
        linked_at = s.execute(select(Member.linked_at).where(Member.ssn == ssn)).scalar_one()
    second = post(client, {**hop, "text": text}).get_data(as_text=True)
    assert first == second and first.startswith("END ")
    with clients(app).sessions() as s:
        assert s.execute(select(Member.linked_at).where(Member.ssn == ssn)).scalar_one() == linked_at


def test_a_session_cannot_be_continued_from_another_phone(client):
    post(client, {**GOOD, "sessionId": "mine", "phoneNumber": PENSIONER})
    response = post(client, {**GOOD, "sessionId": "mine", "phoneNumber": STRANGER, "text": "1"})
    assert response.status_code == 400
    assert "another phone" in response.get_data(as_text=True)
    assert post(client, {**GOOD, "sessionId": "mine", "phoneNumber": PENSIONER, "text": "1"}).status_code == 200


def test_token_guards_the_webhooks(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, USSD_WEBHOOK_TOKEN="s3cret")
    client = app.test_client()
    assert post(client, GOOD).status_code == 403
    assert post(client, GOOD, url=URL + "?token=wrong").status_code == 403
    assert post(client, GOOD, url=URL + "?token=s3cret").status_code == 200
    assert post(client, {"sessionId": "x"}, url=URL + "/events").status_code == 403
    assert post(client, {"sessionId": "x"}, url=URL + "/events?token=s3cret").status_code == 200
    # A proxy may pass it in a header instead, out of URLs and their logs.
    assert client.post(URL, data=GOOD, headers={"X-Webhook-Token": "s3cret"}).status_code == 200
    assert client.post(URL, data=GOOD, headers={"X-Webhook-Token": "ສ3cret"}).status_code == 403  # not a 500


def test_production_will_not_start_without_a_webhook_token(database_url):
    from ussd_app import create_app

    settings = {"SECRET_KEY": "k", "PIN_PEPPER": "p", "REDIS_URL": "", "DATABASE_URL": database_url,
                "DCI_SIGNING_KEY": "dGVzdHMtZGNpLXNpZ25pbmcta2V5LXNlZWQtMzJieXQ="}
    with pytest.raises(RuntimeError, match="USSD_WEBHOOK_TOKEN must be set"):
        create_app(settings)
    # Only on purpose, as make run's demo does.
    app = create_app({**settings, "ALLOW_UNAUTHENTICATED_WEBHOOKS": True})
    assert post(app.test_client(), GOOD).status_code == 200


def test_end_of_session_notice_is_recorded_and_always_200(app, client):
    post(client, {**GOOD, "sessionId": "ev-1", "text": ""})
    post(client, {**GOOD, "sessionId": "ev-1", "text": "2"})
    notice = {"sessionId": "ev-1", "serviceCode": "*211#", "phoneNumber": STRANGER, "networkCode": "41801",
              "status": "Incomplete", "durationInMillis": "41230", "hopsCount": "2", "input": "2",
              "lastAppResponse": "CON ...", "errorMessage": "", "date": "2026-11-20 10:00:00", "cost": "0"}
    assert post(client, notice, url=URL + "/events").status_code == 200
    assert post(client, raw=b"\xff\xfe", url=URL + "/events").status_code == 200
    assert post(client, {"status": "Success"}, url=URL + "/events").status_code == 200
    with clients(app).sessions() as s:
        event = s.execute(select(UssdSessionEvent).where(UssdSessionEvent.session_id == "ev-1")).scalar_one()
        assert (event.status, event.duration_ms, event.hops_count) == ("Incomplete", 41230, 2)
        assert event.last_node == "benefits_info" and event.language == "lo"
        assert event.phone_masked != STRANGER and event.phone_masked.endswith("00")
        assert s.execute(select(func.count()).select_from(UssdSessionEvent)).scalar_one() == 2


def test_health_probes(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"


def test_logs_mask_phones_and_never_hold_a_pin(client, caplog):
    caplog.set_level(logging.DEBUG)
    for text in ("", "1", f"1*{PIN}"):
        post(client, {**GOOD, "sessionId": "log-1", "phoneNumber": PENSIONER, "text": text})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hop session=log-1" in logged
    assert PENSIONER not in logged and "2055512345" not in logged
    assert PIN not in logged


def test_session_in_redis_holds_no_pin(app, client):
    for text in ("", "1", f"1*{PIN}"):
        post(client, {**GOOD, "sessionId": "nopin-1", "phoneNumber": PENSIONER, "text": text})
    raw = clients(app).redis.hget("ussd:session:nopin-1", "body").decode()
    assert PIN not in raw
    phone, ssn, dob = TO_LINK_LO
    for text in ("", "1", f"1*{ssn}", f"1*{ssn}*{dob}", f"1*{ssn}*{dob}*4826"):
        post(client, {**GOOD, "sessionId": "nopin-2", "phoneNumber": phone, "text": text})
    raw = clients(app).redis.hget("ussd:session:nopin-2", "body").decode()
    assert "4826" not in raw and "new_pin" in raw  # only the hash of the chosen PIN is kept


def test_only_posts_are_hops(client):
    response = client.get(URL)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.get_data(as_text=True) == "method not allowed: AT posts hops"


def test_an_older_hop_arriving_late_runs_nothing_and_shows_the_screen_of_now(app, client):
    """A retry of "1" reaching us after "1*PIN*…": its "1" answered the home menu, so it must not
    be pressed again on the contributions screen (where "1" would send an SMS)."""
    hop = {**GOOD, "sessionId": "late-1", "phoneNumber": PENSIONER}
    post(client, {**hop, "text": ""})
    now = post(client, {**hop, "text": f"1*{PIN}"}).get_data(as_text=True)
    assert "ຈ່າຍແລ້ວ" in now
    late = post(client, {**hop, "text": "1"}).get_data(as_text=True)
    assert late == now
    with clients(app).sessions() as s:
        assert s.execute(select(func.count()).select_from(SmsMessage)).scalar_one() == 0
    # The session goes on from where it stood.
    assert post(client, {**hop, "text": f"1*{PIN}*1"}).get_data(as_text=True).startswith("END ")
