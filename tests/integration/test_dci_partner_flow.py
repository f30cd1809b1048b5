"""The partner API as production runs it: the web server (serve.py) on PostgreSQL and the real
Redis, plain `rq worker` processes and a scheduler, and a partner stub on 127.0.0.1 that receives
our callbacks and notifications over HTTP. The partner is down for a while, a worker is killed
mid-send: nothing is lost, and no event reaches the partner as two different messages."""

from __future__ import annotations

import signal
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.conftest import make_app
from tests.dci_partner import (
    HttpClient,
    Partner,
    assert_bearer_from_lsso,
    assert_signed_by_lsso,
    register,
    search_message,
    subscribe_message,
)
from tests.dci_schemas import validate_request, validate_response
from tests.demo_people import PENSIONER_SSN, TO_LINK_LO
from tests.integration.conftest import TOKEN
from tests.partner_stub import PartnerStub
from tests.rq_workers import Workers
from tests.servers import WebServer, post
from ussd_app.core.clock import SystemClock
from ussd_app.core.config import load_config
from ussd_app.core.extensions import clients
from ussd_app.members import importer
from workers import jobs

NEW_MEMBERS = 30
WELFARE = ("--scope", "registry.search", "--scope", "registry.subscribe", "--purpose", "verify-enrolment")


@pytest.fixture
def partner_side() -> Iterator[PartnerStub]:
    stub = PartnerStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def env(production_env) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**production_env, "DCI_CALLBACK_BACKOFF": "1,1,1,1,1,1", "DCI_CALLBACK_LOST_AFTER": "3",
            "LOG_LEVEL": "WARNING"}


@pytest.fixture
def app(env):  # type: ignore[no-untyped-def]
    """The test's own view of the same database and Redis (the CLI, imports, the sweep's tick)."""
    typed = load_config(env=env)
    made = make_app(env["DATABASE_URL"], clock=SystemClock(), **{k: typed[k] for k in env if k != "DATABASE_URL"})
    yield made
    clients(made).dispose()


@pytest.fixture
def workers(env) -> Iterator[Workers]:  # type: ignore[no-untyped-def]
    pool = Workers(env)
    pool.start_scheduler()
    yield pool
    pool.stop()


def checked(stub: PartnerStub, partner: Partner, path: str, count: int, timeout: float = 30) -> list[dict]:
    posts = stub.wait_for(path, count, timeout)
    assert len(posts) >= count, f"{len(posts)} of {count} at {path}; posts: {[p.path for p in stub.posts][-5:]}"
    for p in posts:
        validate_request("core", path, p.body, p.authorization)
        assert_signed_by_lsso(partner.client, p.body, datetime.now(timezone.utc))
        assert_bearer_from_lsso(partner.client, p.authorization, partner.name)
    return [p.body for p in posts]


def test_callbacks_and_notifications_reach_a_partner_that_was_down_once_each(app, env, workers, partner_side):
    runner = app.test_cli_runner()
    with WebServer(env) as server:
        http = HttpClient(server.url)
        welfare = Partner(http, "welfare.gov.la",
                          *register(runner, "welfare.gov.la", *WELFARE, "--callback-url", partner_side.url),
                          now=datetime.now(timezone.utc))
        assert "access_token" in welfare.get_token()
        workers.start()
        partner_side.fail(503, times=4)  # the partner is down when the first answers come

        search = search_message("idtype-value", {"type": "SSN", "value": PENSIONER_SSN})
        ack = welfare.send("/dci/registry/search", "search", search, sender_uri=partner_side.url)
        assert ack.status_code == 200
        validate_response("core", "/registry/search", ack.get_json())
        for event in ("phone_linked", "registered"):
            assert welfare.send("/dci/registry/subscribe", "subscribe", subscribe_message(event)).status_code == 200

        [answer] = checked(partner_side, welfare, "/registry/on-search", 1)
        assert answer["message"]["correlation_id"] == ack.get_json()["message"]["correlation_id"]
        assert answer["message"]["search_response"][0]["data"]["reg_records"]["records"][0]["identifier"][0][
            "identifier_value"] == PENSIONER_SSN
        assert len(checked(partner_side, welfare, "/registry/on-subscribe", 2)) == 2
        assert sum(1 for p in partner_side.posts if p.path == "/registry/on-search") >= 2  # it was retried

        # A phone linked through the production web server: the partner hears of it.
        phone, ssn, dob = TO_LINK_LO
        reply = post(f"{server.url}/ussd/africastalking?token={TOKEN}",
                     {"sessionId": uuid.uuid4().hex, "serviceCode": "*211#", "phoneNumber": phone,
                      "networkCode": "41801", "text": f"1*{ssn}*{dob}*4826*4826"})
        assert reply.body.startswith("END"), reply.body
        [linked] = checked(partner_side, welfare, "/registry/notify", 1)
        assert linked["message"]["notify_event"][0]["data"]["reg_records"]["records"][0]["identifier"][0][
            "identifier_value"] == ssn

        # New members imported while the partner answers slowly, and a worker killed mid-send.
        partner_side.delay = 0.15
        header = "ssn,full_name,phone,date_of_birth,sex,scheme,registered_on,status,language\n"
        rows = "".join(f"99900{i:05d},Member {i},,1990-01-01,F,voluntary,2026-11-01,active,lo\n"
                       for i in range(NEW_MEMBERS))
        with clients(app).sessions() as session:
            assert importer.import_members(session, (header + rows).encode()).inserted == NEW_MEMBERS
        first = workers.procs[-1]
        deadline = time.monotonic() + 20
        while len(partner_side.received("/registry/notify")) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        assert len(partner_side.received("/registry/notify")) < 1 + NEW_MEMBERS, "the kill must land mid-way"
        partner_side.delay = 0
        workers.start()
        time.sleep(4)  # longer than DCI_CALLBACK_LOST_AFTER: a claim of the killed worker is stale
        jobs.dci_sweep(app=app)  # rq cron's tick
        notes = checked(partner_side, welfare, "/registry/notify", 1 + NEW_MEMBERS, timeout=60)

    # Every event reached the partner, each as one message (a message posted again after the
    # kill keeps its message_id, which the partner takes once, as DCI intends).
    messages_by_event: dict[str, set[str]] = defaultdict(set)
    for note in notes:
        event = note["message"]["notify_event"][0]
        messages_by_event[event["reference_id"]].add(note["header"]["message_id"])
    assert len(messages_by_event) == 1 + NEW_MEMBERS
    assert all(len(ids) == 1 for ids in messages_by_event.values()), messages_by_event
    registered = {n["message"]["notify_event"][0]["data"]["reg_records"]["records"][0]["identifier"][0][
        "identifier_value"] for n in notes if n["message"]["notify_event"][0]["data"]["reg_records"]["event"]
        .endswith(":registered")}
    assert registered == {f"99900{i:05d}" for i in range(NEW_MEMBERS)}
