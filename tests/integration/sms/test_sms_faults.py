"""The faults that lost or doubled SMS, each provoked on purpose: real worker processes, the
scheduler, production's web server taking AT's delivery reports (posted at once and
concurrently), PostgreSQL. Every message arrives exactly once, or the test says otherwise.

A worker is killed at three points of a batch, each five times: before it claims its messages
(held up by a row lock the test takes), in the middle of a provider call, and while it saves
the outcomes (held up the same way). Row locks need PostgreSQL: those tests skip on SQLite.
With SMS_FAULT_TALLY=FILE each test also appends what it counted (queued, received,
duplicated, lost) to FILE: bench/sms_faults.py turns that into README's table.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text

from sms import outbox, tasks
from sms.models import SmsEvent, SmsMessage
from tests.integration.sms.conftest import TOKEN, assert_each_sent_exactly_once, queue_messages, statuses, tally
from tests.servers import WebServer, post
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of

PG = bool(os.environ.get("TEST_DATABASE_URL"))
needs_pg = pytest.mark.skipif(not PG, reason="row locks and the kill points need PostgreSQL")
REPEAT = range(int(os.environ.get("SMS_FAULT_ROUNDS", "5")))


@pytest.fixture(autouse=True)
def fault_tally(request, app, stub):
    """Counts every scenario, passed or failed, when SMS_FAULT_TALLY names a file."""
    yield
    target = os.environ.get("SMS_FAULT_TALLY")
    if target:
        record = {"scenario": request.node.originalname, **tally(app, stub)}
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


@pytest.fixture
def reporting(settings, stub):
    """Production's web server taking AT's delivery reports, which the stub posts at once."""
    with WebServer({k: v for k, v in settings.items() if k != "LOG_LEVEL"}, workers=2) as server:
        stub.report_to = f"{server.url}/sms/africastalking/delivery?token={TOKEN}"
        stub.report_delay = 0
        yield server


def sweep_until_done(app, expected: int, timeout: float = 40.0,  # type: ignore[no-untyped-def]
                     done=("sent", "delivered")) -> dict:
    """What rq cron does every minute, every half second, until every message is settled."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = statuses(app)
        if sum(counts.get(s, 0) for s in done) == expected:
            return counts
        with app.app_context():
            tasks.sweep(app)
        time.sleep(0.5)
    raise AssertionError(f"not settled in {timeout} s: {statuses(app)}")


class RowLock:
    """Holds FOR UPDATE locks on outbox rows from another connection, as a slow transaction would."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.conn = self.engine.connect()

    def take(self, where: str) -> int:
        return len(self.conn.execute(text(f"SELECT id FROM sms_outbox WHERE {where} FOR UPDATE")).all())

    def waiters(self) -> int:
        """Other sessions of this database waiting for a lock (our worker, held up)."""
        self.conn.execute(text("SELECT pg_stat_clear_snapshot()"))  # a transaction sees one snapshot otherwise
        return self.conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )).scalar_one()

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.engine.dispose()


def wait_for(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


@needs_pg
@pytest.mark.parametrize("round_", REPEAT)
def test_worker_killed_before_it_claims_its_messages(round_, settings, app, stub, workers, reporting):
    """The job is taken, the messages never claimed: they must come back in seconds (SMS_LOST_AFTER),
    not when a ten-minute timer says so."""
    expected = queue_messages(app, 30)
    lock = RowLock(settings["DATABASE_URL"])
    assert lock.take("status = 'queued'") == 30
    worker = workers.start()
    wait_for(lambda: lock.waiters() >= 1)  # its claim waits on our lock
    worker.send_signal(signal.SIGKILL)
    worker.wait(5)
    lock.release()
    started = time.monotonic()
    workers.start()
    assert sweep_until_done(app, 30, done=("delivered",)) == {"delivered": 30}
    assert time.monotonic() - started < 30
    assert stub.counts() and len(stub.accepted) == 30
    assert_each_sent_exactly_once(stub, expected)


@pytest.mark.parametrize("round_", REPEAT)
def test_worker_killed_in_the_middle_of_a_provider_call(round_, app, stub, workers, reporting):
    """AT got the message in flight and reports it at once, before any id of ours is saved: the
    report is kept, and names the one message in doubt to that phone. Nothing is sent twice."""
    expected = queue_messages(app, 30)
    stub.delay = 0.05  # each answer takes a moment: the kill lands with a request in flight
    worker = workers.start()
    assert stub.wait_for(8, 30)
    worker.send_signal(signal.SIGKILL)
    worker.wait(5)
    assert len(stub.accepted) < 30, "the kill must land before the batch is done"
    stub.delay = 0
    workers.start()
    assert sweep_until_done(app, 30, done=("delivered",)) == {"delivered": 30}
    assert_each_sent_exactly_once(stub, expected)


@needs_pg
@pytest.mark.parametrize("round_", REPEAT)
def test_worker_killed_while_it_saves_the_outcomes(round_, settings, app, stub, workers, reporting):
    """AT has 20 messages and reports them all; the worker dies before saving a single answer.
    Those 20 are settled by their reports; the 5 it never sent are sent once."""
    expected = queue_messages(app, 25)  # one job, one claim
    stub.delay = 0.03
    worker = workers.start()
    lock = RowLock(settings["DATABASE_URL"])
    wait_for(lambda: statuses(app).get("sending") == 25)
    assert lock.take("status = 'sending'") == 25  # its first save (20 outcomes) will wait on this
    wait_for(lambda: len(stub.accepted) >= 20 and lock.waiters() >= 1)
    worker.send_signal(signal.SIGKILL)
    worker.wait(5)
    lock.release()
    assert len(stub.accepted) == 20
    workers.start()
    assert sweep_until_done(app, 25, done=("delivered",)) == {"delivered": 25}
    assert_each_sent_exactly_once(stub, expected)
    with clients(app).sessions() as s:
        settled = s.execute(select(SmsEvent).where(SmsEvent.detail.like("%names this message's only send%"))).all()
    assert len(settled) == 20


def test_two_reports_for_one_phone_arriving_at_once(app, stub, workers, reporting):
    """AT posts Sent and Success for each message together, and two messages go to one phone."""
    stub.report_statuses = ("Sent", "Success")
    sms = runtime_of(app).sms
    with app.app_context(), clients(app).sessions() as s:
        ids = [outbox.add(s, sms.templates, recipient="+8562055500001", kind=kind, language="en", values={},
                          key=f"twin-{kind}").id for kind in ("opted_out", "opted_in")]
        s.commit()
    workers.start()
    sms.enqueue(ids)
    assert sweep_until_done(app, 2, done=("delivered",)) == {"delivered": 2}
    wait_for(lambda: stub.reports_posted == 4)
    with clients(app).sessions() as s:
        for message_id in ids:
            events = s.execute(select(SmsEvent.status).where(SmsEvent.message_id == message_id)).scalars().all()
            assert events.count("delivered") == 1 and events.count("sent") == 1, events
    assert sorted(c for c in stub.counts().values()) == [1, 1]


def test_stop_while_reminders_wait_cancels_them(app, stub, workers, reporting):
    """Reminders held (here for 3 s, in life for quiet hours); two of the three phones say STOP
    meanwhile. Only the third gets its reminder."""
    sms = runtime_of(app).sms
    later = datetime.now(timezone.utc) + timedelta(seconds=3)
    phones = ["+8562055500011", "+8562055500012", "+8562055500013"]
    with app.app_context(), clients(app).sessions() as s:
        ids = [outbox.add(s, sms.templates, recipient=p, kind="reminder_due", language="lo",
                          values={"period": "11/2026", "due_date": "15/12/2026", "minimum": "225,000 ກີບ",
                                                    "reference": "800000024"},
                          key=f"wait-{p}", not_before=later).id for p in phones]
        s.commit()
    workers.start()
    sms.enqueue(ids, later)
    for n, phone in enumerate(phones[:2]):
        reply = post(f"{reporting.url}/sms/africastalking/inbound?token={TOKEN}",
                     {"from": phone, "to": "21212", "text": "STOP", "id": f"stop-{n}"})
        assert reply.body == "stop"
    # 3 reminders and the 2 confirmations of STOP, which go whatever the opt-out says
    assert sweep_until_done(app, 5, done=("delivered", "cancelled")) == {"delivered": 3, "cancelled": 2}
    sent_to = sorted(r.to for r in stub.accepted if "ປກສ" in r.message and "15/12/2026" in r.message)
    assert sent_to == [phones[2]]


def test_a_retry_job_that_comes_early_is_rescheduled_and_sent_in_seconds(app, stub, workers):
    """RQ's scheduler keeps whole seconds: a job for 12:00:02.6 may run at 12:00:02. It used to
    be dropped (found again only by the sweep, ten minutes on)."""
    sms = runtime_of(app).sms
    due = datetime.now(timezone.utc) + timedelta(seconds=2, milliseconds=600)
    with app.app_context(), clients(app).sessions() as s:
        message = outbox.add(s, sms.templates, recipient="+8562055500021", kind="pin_changed", language="en",
                             values={}, key="early-job", not_before=due)
        s.commit()
    sms.queue.enqueue_at(due.replace(microsecond=0), "workers.jobs.send_sms", message.id)  # a moment early
    workers.start()
    assert stub.wait_for(1, 8), "not sent within seconds of its due time"

    def recorded() -> SmsMessage:
        with clients(app).sessions() as s:
            return s.get(SmsMessage, message.id)

    wait_for(lambda: recorded().status != "sending", 5)  # AT has it; the worker saves its answer
    sent = recorded()
    assert sent.status == "sent" and sent.sent_at.replace(tzinfo=timezone.utc) >= due - timedelta(seconds=1)
    assert len(stub.accepted) == 1
