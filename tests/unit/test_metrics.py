"""/metrics: what an operator's Prometheus sees after members' journeys, and who may see it.

Values are read as Prometheus would, through prometheus_client's own text parser. Counters are
per process (the tests share one), so each test compares before and after.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import psycopg
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from tests.dci_partner import Partner, register
from tests.demo_people import BEHIND, FROZEN_NOW, PENSIONER, PENSIONER_SSN, PIN, TO_LINK_LO
from ussd_app.core import logs
from ussd_app.core.extensions import clients
from ussd_app.core.metrics import fault_cause, network_label

TOKEN = "metrics-test-token"


@pytest.fixture
def app(app_on_demo_data):  # type: ignore[no-untyped-def]
    return app_on_demo_data(METRICS_TOKEN=TOKEN)


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain; version=")
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(scraped, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_off_without_a_token_and_closed_to_a_wrong_one(app_on_demo_data):
    assert app_on_demo_data().test_client().get("/metrics").status_code == 404
    client = app_on_demo_data(METRICS_TOKEN=TOKEN).test_client()
    assert client.get("/metrics").status_code == 401
    refused = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert refused.status_code == 401 and "METRICS_TOKEN" in refused.get_data(as_text=True)
    assert TOKEN not in refused.get_data(as_text=True)


def test_a_journey_counts_its_hops_by_network_and_outcome_and_times_them(client, dial):
    before = scrape(client)
    dial(PENSIONER).press("1", PIN, "1").ends()  # dial, contributions, PIN: screens; the statement: the end
    after = scrape(client)
    hops = "lsso_ussd_hops_total"
    assert value(after, hops, gateway="africastalking", network="41801", outcome="screen") - \
        value(before, hops, gateway="africastalking", network="41801", outcome="screen") == 3
    assert value(after, hops, gateway="africastalking", network="41801", outcome="end") - \
        value(before, hops, gateway="africastalking", network="41801", outcome="end") == 1
    assert value(after, "lsso_ussd_hop_seconds_count") - value(before, "lsso_ussd_hop_seconds_count") == 4


def test_a_hop_that_redis_cannot_answer_is_a_fault_reply_counted_as_redis(app, client, dial):
    before = scrape(client)
    server = clients(app).redis.connection_pool.connection_kwargs["server"]
    server.connected = False  # fakeredis's own way of being unreachable
    try:
        response = client.post("/ussd/africastalking", data={
            "sessionId": "m-fault-1", "serviceCode": "*211#", "phoneNumber": PENSIONER, "networkCode": "41801",
            "text": ""})
    finally:
        server.connected = True
    assert response.get_data(as_text=True).startswith("END ")
    after = scrape(client)
    assert value(after, "lsso_ussd_fault_replies_total", cause="redis") - \
        value(before, "lsso_ussd_fault_replies_total", cause="redis") == 1
    assert value(after, "lsso_ussd_hops_total", gateway="africastalking", network="41801", outcome="fault") - \
        value(before, "lsso_ussd_hops_total", gateway="africastalking", network="41801", outcome="fault") == 1


def test_fault_causes_are_told_apart_through_the_exceptions_they_came_from():
    assert fault_cause(redis.ConnectionError("gone")) == "redis"
    try:
        try:
            raise psycopg.OperationalError("no answer from the database")
        except psycopg.OperationalError as exc:
            raise OperationalError("SELECT 1", {}, exc) from exc
    except OperationalError as wrapped:
        assert fault_cause(wrapped) == "database"
    assert fault_cause(KeyError("a bug")) == "other"


def test_a_refused_hop_is_counted_and_network_codes_cannot_grow_new_series(client):
    before = scrape(client)
    assert client.post("/ussd/africastalking", data={"sessionId": "x"}).status_code == 400
    after = scrape(client)
    assert value(after, "lsso_ussd_hops_total", gateway="africastalking", network="-", outcome="refused") - \
        value(before, "lsso_ussd_hops_total", gateway="africastalking", network="-", outcome="refused") == 1
    assert network_label("45702") == "45702"
    assert network_label("<script>") == network_label("1234567") == "other"
    assert network_label("") == "-"


def test_pin_and_identity_lockouts_are_counted_once_each(client, dial):
    before = scrape(client)
    dial(BEHIND).press("1", "1111", "1112", "1113").ends().see("30 ນາທີ")
    dial(BEHIND).press("1").ends()  # refused while locked: not a new lockout
    phone, ssn, _dob = TO_LINK_LO
    dial(phone).press("1", ssn, "01011990", ssn, "02011990", ssn, "03011990").ends().see("24 ຊົ່ວໂມງ")
    after = scrape(client)
    for guard in ("pin", "identity"):
        assert value(after, "lsso_lockouts_total", guard=guard) - value(before, "lsso_lockouts_total", guard=guard) \
            == 1, guard


def test_sms_are_counted_queued_and_sent_with_their_wait_and_the_oldest_waiting_is_a_gauge(app, client, dial):
    queue = clients(app).queue
    before = scrape(client)
    dial(PENSIONER).press("1", PIN, "1").ends()  # the statement by SMS
    queue.drain()  # type: ignore[attr-defined]
    after = scrape(client)
    assert value(after, "lsso_sms_total", outcome="queued") - value(before, "lsso_sms_total", outcome="queued") == 1
    assert value(after, "lsso_sms_total", outcome="stored") - value(before, "lsso_sms_total", outcome="stored") == 1
    assert value(after, "lsso_sms_queue_to_sent_seconds_count") - \
        value(before, "lsso_sms_queue_to_sent_seconds_count") == 1
    assert value(after, "lsso_sms_oldest_queued_seconds") == 0  # nothing waits
    assert value(after, "lsso_rq_queue_jobs", queue="sms") == 0
    assert value(after, "lsso_metrics_source_up", source="redis") == 1
    assert value(after, "lsso_metrics_source_up", source="database") == 1


def test_an_sms_left_waiting_shows_its_age(app, client):
    from sms.models import SmsMessage, Status

    with clients(app).sessions() as session:
        session.add(SmsMessage(idempotency_key="m-waiting", recipient=PENSIONER, kind="contributions", language="lo",
                               body="x", encoding="ucs2", parts=1, status=Status.QUEUED.value,
                               created_at=(FROZEN_NOW - timedelta(minutes=30)).replace(tzinfo=None)))
        session.add(SmsMessage(idempotency_key="m-later", recipient=PENSIONER, kind="contributions", language="lo",
                               body="x", encoding="ucs2", parts=1, status=Status.QUEUED.value,
                               not_before=(FROZEN_NOW + timedelta(days=400)).replace(tzinfo=None)))
        session.commit()
    age = value(scrape(client), "lsso_sms_oldest_queued_seconds")
    assert age >= 30 * 60  # the due one, at least 30 minutes old (the wall clock is later than FROZEN_NOW)


def test_partner_calls_are_counted_by_partner_action_and_result(app, client, runner):
    partner = Partner(client, "health.gov.la", *register(runner, "health.gov.la", "--scope", "registry.search",
                                                         "--purpose", "verify-enrolment"), now=FROZEN_NOW)
    partner.get_token()
    before = scrape(client)
    assert partner.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).status_code == 200
    assert client.post("/dci/registry/sync/search", json={}).status_code == 401
    after = scrape(client)
    ok = dict(partner="health.gov.la", action="registry/sync/search", result="succ")
    assert value(after, "lsso_dci_calls_total", **ok) - value(before, "lsso_dci_calls_total", **ok) == 1
    refused = dict(partner="-", action="registry/sync/search", result="err.request.unauthorized")
    assert value(after, "lsso_dci_calls_total", **refused) - value(before, "lsso_dci_calls_total", **refused) \
        == 1


def test_json_logs_give_one_line_per_hop_with_its_fields_and_no_pin(app, dial, capfd):
    logs.configure("INFO", "json", "web-7")
    try:
        dial(PENSIONER).press("1", PIN, "1").ends()  # and the statement by SMS
        clients(app).queue.drain()  # type: ignore[attr-defined]
    finally:
        logs.configure("WARNING", "text", "")
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    hops = [line for line in lines if line.get("event") == "hop"]
    assert [h["outcome"] for h in hops] == ["screen", "screen", "screen", "end"]
    [sms] = [line for line in lines if line.get("event") == "sms"]
    assert sms["outcome"] == "stored" and sms["kind"] == "statement" and sms["phone"] == hops[0]["phone"]
    assert {h["node"] for h in hops} == {"web-7"}
    assert all(h["phone"] == PENSIONER[:7] + "*****" + PENSIONER[-2:] for h in hops)
    assert hops[-1]["screen"] and hops[0]["session"] == hops[-1]["session"]
    every_line = json.dumps(lines, ensure_ascii=False)
    assert PIN not in every_line and PENSIONER not in every_line and "text" not in hops[-1]


def test_a_bad_log_format_is_refused_with_its_reason():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")
    assert logging.getLogger().level  # the test's own set-up is left as it was
