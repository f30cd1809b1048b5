"""Dropped USSD sessions as production runs them: the web server (serve.py), PostgreSQL, the real
Redis, RQ workers, the scheduler and `rq cron`, AT's SMS API as our stub through the real SDK.

A result the network dropped reaches the phone once by SMS, whether AT's notice says so or only
the network's time limit does; a redial is offered to continue, with the PIN asked again."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.at_stub import AtStub
from tests.demo_people import BEHIND, PENSIONER, PIN
from tests.integration.conftest import TOKEN
from tests.rq_workers import Workers
from tests.servers import WebServer, post

LIMIT = 4  # seconds this test's network lets a session last


@pytest.fixture
def env(production_env, stub: AtStub) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**production_env, "SMS_BACKEND": "africastalking", "AT_USERNAME": "lsso", "AT_API_KEY": "stub-key",
            "AT_SENDER_ID": "LSSO", "AT_API_BASE_URL": stub.url, "AT_TIMEOUT_SECONDS": "2",
            "USSD_OPERATOR_TIMEOUT_SECONDS": f"41801={LIMIT},*=180", "USSD_DROP_SWEEP_SECONDS": "1",
            "LOG_LEVEL": "WARNING"}


@pytest.fixture
def processes(env: dict[str, str]) -> Iterator[Workers]:
    pool = Workers(env)
    pool.start()
    pool.start_scheduler()
    pool.start_cron()
    yield pool
    pool.stop()


class Phone:
    """One member's phone dialling through the production server, AT's way (the whole history in `text`)."""

    def __init__(self, url: str, number: str) -> None:
        self.url, self.number = url, number
        self.session_id = ""
        self.keys: list[str] = []

    def dial(self) -> str:
        self.session_id, self.keys = uuid.uuid4().hex, []
        return self._hop()

    def press(self, *keys: str) -> str:
        reply = ""
        for key in keys:
            self.keys.append(key)
            reply = self._hop()
        return reply

    def notice(self, status: str) -> None:
        reply = post(f"{self.url}/ussd/africastalking/events?token={TOKEN}", {
            "sessionId": self.session_id, "serviceCode": "*211#", "phoneNumber": self.number, "networkCode": "41801",
            "status": status, "durationInMillis": "30000", "hopsCount": str(len(self.keys) + 1),
            "errorMessage": "Network error"})
        assert reply.status == 200

    def _hop(self) -> str:
        reply = post(f"{self.url}/ussd/africastalking?token={TOKEN}", {
            "sessionId": self.session_id, "serviceCode": "*211#", "phoneNumber": self.number, "networkCode": "41801",
            "text": "*".join(self.keys)})
        assert reply.status == 200, reply.body
        return reply.body


def sms_to(stub: AtStub, phone: str) -> list[str]:
    return [r.message for r in stub.accepted if r.to == phone]


def wait_for_sms(stub: AtStub, phone: str, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not sms_to(stub, phone):
        time.sleep(0.1)
    return sms_to(stub, phone)


def test_dropped_results_reach_the_phone_once_and_a_redial_takes_up_the_session(env, stub, processes):
    with WebServer(env, workers=2) as server:
        # AT says the session failed while the contributions were on the screen.
        pensioner = Phone(server.url, PENSIONER)
        pensioner.dial()
        assert "ຈ່າຍແລ້ວ" in pensioner.press("1", PIN)
        started = time.monotonic()
        pensioner.notice("Failed")
        [statement] = wait_for_sms(stub, PENSIONER, 15)
        assert "ປກສ ເງິນສົມທົບ 12 ເດືອນ" in statement
        print(f"notice -> SMS at AT: {time.monotonic() - started:.1f} s")

        # No notice at all: the amount due was on the screen when the network's time ran out.
        behind = Phone(server.url, BEHIND)
        behind.dial()
        due = behind.press("1", PIN)
        assert "ເລກອ້າງອີງ" in due
        started = time.monotonic()
        [dues] = wait_for_sms(stub, BEHIND, LIMIT + 15)
        assert due.split("ເລກອ້າງອີງ ")[1].split()[0] in dues  # the payment reference
        print(f"last hop -> SMS at AT with no notice: {time.monotonic() - started:.1f} s (network limit {LIMIT} s)")

        # The sweep keeps running and AT repeats its notice: still one SMS each.
        pensioner.notice("Failed")
        time.sleep(3)
        assert len(sms_to(stub, PENSIONER)) == 1 and len(sms_to(stub, BEHIND)) == 1

        # The member dials again: offered to continue, the PIN asked again, the same screen.
        assert "ຄັ້ງກ່ອນສາຍຫຼຸດ" in behind.dial()
        assert "PIN" in behind.press("1")
        assert "ເລກອ້າງອີງ" in behind.press(PIN)
    assert "Traceback" not in server.log()
