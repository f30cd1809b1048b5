"""The hop path on a real Redis (and PostgreSQL where configured): journeys, concurrency, TTLs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import redis

from tests.conftest import make_app
from tests.demo_people import BEHIND, PENSIONER, PIN, TO_LINK_LO
from tests.ussd_dsl import ussd
from ussd_app.core import keys
from ussd_app.ussd.runtime import runtime_of

pytestmark = pytest.mark.both_databases  # the journeys on production's database too

TO_LINK = TO_LINK_LO


@pytest.fixture
def app(app_on_demo_data, redis_url):
    return app_on_demo_data(REDIS_URL=redis_url)


def post(client, session_id: str, phone: str, text: str) -> str:
    response = client.post("/ussd/africastalking", data={
        "sessionId": session_id, "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801", "text": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_journey_on_real_redis_keeps_session_with_ttl(app):
    convo = ussd(app.test_client()).dial(PENSIONER)
    convo.press("1", PIN).see("ຈ່າຍແລ້ວ")
    r = redis.Redis.from_url(app.config["REDIS_URL"])
    key = keys.SESSION.format(session_id=convo.session_id)
    ttl = r.ttl(key)
    assert app.config["USSD_SESSION_TTL"] < ttl <= app.config["USSD_SESSION_TTL"] + 3600
    assert PIN.encode() not in r.hget(key, "body")


def test_concurrent_copies_of_one_hop_apply_it_once(app):
    """Ten copies of the same wrong-PIN hop at once: one failure counted, one answer for all."""
    client = app.test_client()
    post(client, "race-1", BEHIND, "")
    post(client, "race-1", BEHIND, "2")  # a voluntary member: 2 is the contributions
    with ThreadPoolExecutor(10) as pool:
        bodies = list(pool.map(lambda _: post(client, "race-1", BEHIND, "2*1111"), range(10)))
    assert len(set(bodies)) == 1, set(bodies)
    assert "ເຫຼືອ 2 ເທື່ອ" in bodies[0]
    # One try counted for the ten copies: the next wrong PIN leaves one.
    assert "ເຫຼືອ 1 ເທື່ອ" in post(client, "race-1", BEHIND, "2*1111*1112")
    # The session still moves on normally afterwards.
    assert "ຈ່າຍແລ້ວ" in post(client, "race-1", BEHIND, f"2*1111*1112*{PIN}")


def test_concurrent_different_hops_leave_a_consistent_session(app):
    """Two different next hops racing: each gets a whole screen, and the session is one of them."""
    client = app.test_client()
    post(client, "race-2", PENSIONER, "")
    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda t: post(client, "race-2", PENSIONER, t), ["4", "9"] * 4))
    for body in bodies:
        assert body.startswith("CON ")
        assert "ຕິດຕໍ່" in body or "ເລືອກບໍ່ຖືກ" in body
    # Whatever won, the next hop builds on a state that parses and answers.
    assert post(client, "race-2", PENSIONER, "4*00").startswith("CON ປກສ\n1 ເງິນສົມທົບ")


def test_expired_session_resumes_as_timed_out(database_url, redis_url):
    """The session's key outlives its TTL in real Redis, so a late hop is told it timed out
    (the app's clock moves past the TTL; Redis keeps the key for the grace period)."""
    app = make_app(database_url, REDIS_URL=redis_url, USSD_SESSION_TTL=1)
    client = app.test_client()
    post(client, "late-1", PENSIONER, "")
    post(client, "late-1", PENSIONER, "1")
    runtime_of(app).clock.advance(timedelta(seconds=1.2))
    body = post(client, "late-1", PENSIONER, f"1*{PIN}")
    assert body.startswith("CON ໝົດເວລາ, ເລີ່ມໃໝ່")
    assert "1 ເງິນສົມທົບ" in body
