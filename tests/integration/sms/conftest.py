"""Fixtures for the SMS part run as production runs it: real RQ worker processes and a scheduler
of their own, a real Redis, PostgreSQL (SQLite where TEST_DATABASE_URL is not set), and the AT
stub over HTTP, which can post delivery reports back to the app."""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from sms import outbox, tasks
from sms.models import SmsMessage
from tests.at_stub import AtStub
from tests.conftest import make_app
from tests.integration.conftest import DCI_KEY
from tests.rq_workers import Workers
from ussd_app.core.clock import SystemClock
from ussd_app.core.config import load_config
from ussd_app.core.database import create_schema
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of

TOKEN = "worker-test-token"


@pytest.fixture
def settings(request, tmp_path, redis_url, stub) -> dict[str, str]:
    """The configuration the test process and its workers share (through the environment)."""
    database = request.getfixturevalue("pg_url") if os.environ.get("TEST_DATABASE_URL") else \
        f"sqlite:///{tmp_path}/sms.db"
    return {
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "worker-test-secret",
        "PIN_PEPPER": "worker-test-pepper",
        "SMS_BACKEND": "africastalking",
        "AT_USERNAME": "lsso",
        "AT_API_KEY": "stub-key",
        "AT_SENDER_ID": "LSSO",
        "AT_API_BASE_URL": stub.url,
        "AT_TIMEOUT_SECONDS": "0.5",
        "SMS_RETRY_BACKOFF": "1,1,1,1,1,1",
        "SMS_SENDING_TIMEOUT": "3",
        "SMS_REPORT_GRACE": "4",
        "SMS_LOST_AFTER": "2",
        "QUIET_HOURS": "00:00-23:59",  # the tests run at any hour; quiet hours have tests of their own
        "LOG_LEVEL": "WARNING",
        "USSD_WEBHOOK_TOKEN": TOKEN,  # workers start as production does: a token is required
        "DCI_SIGNING_KEY": DCI_KEY,
    }


@pytest.fixture
def app(settings):
    typed = load_config(env=settings)  # parsed as the workers will parse them
    # Real workers read the real time: so does this app (report times are compared with claims).
    app = make_app(settings["DATABASE_URL"], clock=SystemClock(),
                   **{k: typed[k] for k in settings if k != "DATABASE_URL"})
    create_schema(clients(app).engine)
    yield app
    clients(app).dispose()


@pytest.fixture
def workers(settings):
    pool = Workers(settings)
    pool.start_scheduler()
    yield pool
    pool.stop()


@pytest.fixture
def web(app, stub):
    """The app's HTTP server, so the stub can post delivery reports to it as AT does."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.report_to = f"http://127.0.0.1:{server.server_port}/sms/africastalking/delivery?token={TOKEN}"
    yield server
    server.shutdown()


def queue_messages(app, n: int) -> dict[str, str]:
    """n messages to n phones; returns phone -> body."""
    sms = runtime_of(app).sms
    sent: dict[str, str] = {}
    ids = []
    with app.app_context(), clients(app).sessions() as s:
        for i in range(n):
            phone = f"+856205{i:07d}"
            message = outbox.add(s, sms.templates, recipient=phone, kind="phone_linked",
                                 language="lo" if i % 2 else "en", values={"ssn_tail": f"{i:04d}"}, key=f"test:{i}")
            sent[phone] = message.body
            ids.append(message.id)
        s.commit()
    sms.enqueue(ids)
    return sent


def statuses(app) -> dict[str, int]:
    with clients(app).sessions() as s:
        rows = s.execute(select(SmsMessage.status)).scalars().all()
    return {status: rows.count(status) for status in set(rows)}


def wait_until_all(app, n: int, done=("sent", "delivered"), timeout: float = 60, sweep: bool = False) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = statuses(app)
        if sum(counts.get(s, 0) for s in done) == n:
            return counts
        if sweep:
            with app.app_context():
                tasks.sweep(app)  # what rq cron does every minute
        time.sleep(0.3)
    raise AssertionError(f"not all messages done in time: {statuses(app)}")


def tally(app, stub: AtStub) -> dict[str, int]:
    """What a user would count: messages the outbox meant to send (all but the cancelled), how
    many of them reached AT, how many reached it more than once, and how many never did."""
    with clients(app).sessions() as s:
        meant = {(m.recipient, m.body) for m in s.execute(select(SmsMessage).where(SmsMessage.status != "cancelled"))
                 .scalars()}
    counts = stub.counts()
    return {"queued": len(meant), "received": sum(1 for k in meant if counts.get(k)),
            "duplicated": sum(1 for k in meant if counts.get(k, 0) > 1),
            "lost": sum(1 for k in meant if not counts.get(k)),
            "unexpected": sum(1 for k in counts if k not in meant)}


def assert_each_sent_exactly_once(stub: AtStub, expected: dict[str, str]) -> None:
    counts = stub.counts()
    assert set(counts) == set(expected.items()), "a message was lost or altered"
    duplicated = {k: v for k, v in counts.items() if v != 1}
    assert not duplicated, f"sent more than once: {duplicated}"


