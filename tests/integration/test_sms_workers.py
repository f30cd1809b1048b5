"""Real RQ worker processes, a real Redis, the AT stub over HTTP: faults that must lose no SMS
and send none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from sms import outbox, tasks
from sms.models import SmsEvent, SmsMessage
from sms.service import sms_services
from tests.at_stub import AtStub
from tests.conftest import make_app
from ussd_app.config import load_config
from ussd_app.database import create_schema
from ussd_app.extensions import clients

ROOT = Path(__file__).resolve().parents[2]
RQ = str(Path(sys.executable).with_name("rq"))


@pytest.fixture
def stub():
    stub = AtStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def settings(tmp_path, redis_url, stub) -> dict[str, str]:
    """The configuration the test process and its workers share (through the environment)."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path}/sms.db",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "worker-test-secret",
        "PIN_PEPPER": "worker-test-pepper",
        "AT_USERNAME": "lsso",
        "AT_API_KEY": "stub-key",
        "AT_SENDER_ID": "LSSO",
        "AT_API_BASE_URL": stub.url,
        "AT_TIMEOUT_SECONDS": "0.5",
        "SMS_RETRY_BACKOFF": "1,1,1,1,1,1",
        "SMS_SENDING_TIMEOUT": "3",
        "SMS_REPORT_GRACE": "4",
        "LOG_LEVEL": "WARNING",
        "USSD_WEBHOOK_TOKEN": "worker-test-token",  # workers start as production does: a token is required
    }


@pytest.fixture
def app(settings):
    typed = load_config(env=settings)  # parsed as the workers will parse them
    app = make_app(settings["DATABASE_URL"], **{k: typed[k] for k in settings if k != "DATABASE_URL"})
    create_schema(clients(app).engine)
    yield app
    clients(app).engine.dispose()


class Workers:
    """RQ workers, each in a process group of its own: `--with-scheduler` forks a scheduler
    process that outlives a worker killed with SIGKILL, so stopping ends the whole group."""

    def __init__(self, settings: dict[str, str]) -> None:
        self.env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [RQ, "worker", "sms", "--with-scheduler", "--worker-class", "rq.worker.SimpleWorker",
             "--url", self.env["REDIS_URL"], "--logging_level", "WARNING"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(_group_alive(p) for p in self.procs) and time.monotonic() < deadline:
            time.sleep(0.1)
        for proc in self.procs:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(5)
        left = [p.pid for p in self.procs if _group_alive(p)]
        assert not left, f"worker process groups still running: {left}"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _group_alive(proc: subprocess.Popen) -> bool:
    proc.poll()  # reap the worker itself if it is gone
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def workers(settings):
    pool = Workers(settings)
    yield pool
    pool.stop()


@pytest.fixture
def web(app, stub):
    """The app's HTTP server, so the stub can post delivery reports to it as AT does."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.report_to = f"http://127.0.0.1:{server.server_port}/sms/africastalking/delivery?token=worker-test-token"
    yield server
    server.shutdown()


def queue_messages(app, n: int) -> dict[str, str]:
    """n messages to n phones; returns phone -> body."""
    sms = sms_services(app)
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


def assert_each_sent_exactly_once(stub: AtStub, expected: dict[str, str]) -> None:
    counts = stub.counts()
    assert set(counts) == set(expected.items()), "a message was lost or altered"
    duplicated = {k: v for k, v in counts.items() if v != 1}
    assert not duplicated, f"sent more than once: {duplicated}"


def test_provider_down_for_a_while_then_back_sends_every_message_once(app, stub, workers):
    expected = queue_messages(app, 20)
    stub.fail_http(503, times=6)  # AT answering errors
    stub.recipient_status(500, times=4)  # then AT's own internal errors per recipient
    workers.start()
    assert stub.wait_for(3, 20)
    port = int(stub.url.rsplit(":", 1)[1])
    stub.stop()  # AT unreachable: connections refused
    time.sleep(1.5)
    stub.server = type(stub.server)(("127.0.0.1", port), stub.server.RequestHandlerClass)
    stub.start()  # and back
    counts = wait_until_all(app, 20)
    assert counts.get("sent") == 20
    assert_each_sent_exactly_once(stub, expected)
    with clients(app).sessions() as s:
        retried = s.execute(select(SmsMessage).where(SmsMessage.attempts > 1)).scalars().all()
    assert retried, "the faults above must have caused retries"


def test_slow_provider_answers_are_settled_by_delivery_reports_not_resent(app, stub, workers, web):
    expected = queue_messages(app, 6)
    stub.delay = 0.8  # longer than AT_TIMEOUT_SECONDS: every answer comes too late, the SMS still goes
    workers.start()
    assert stub.wait_for(6, 30)
    stub.delay = 0
    counts = wait_until_all(app, 6, done=("delivered",), sweep=True)
    assert counts == {"delivered": 6}
    assert_each_sent_exactly_once(stub, expected)


def test_worker_killed_mid_batch_then_restarted_sends_every_message_once(app, stub, workers, web):
    expected = queue_messages(app, 40)
    stub.delay = 0.05  # each answer takes a moment: the kill lands with a request in flight
    first = workers.start()
    assert stub.wait_for(10, 30)
    first.send_signal(signal.SIGKILL)
    first.wait(5)
    sent_before = len(stub.accepted)
    assert sent_before < 40, "the batch must not be over before the kill"
    with clients(app).sessions() as s:
        orphaned = s.execute(select(SmsMessage.id).where(SmsMessage.status == "sending")).scalars().all()
    workers.start()
    counts = wait_until_all(app, 40, sweep=True)
    assert sum(counts.values()) == 40
    assert_each_sent_exactly_once(stub, expected)
    assert orphaned, "the kill must land while a message is being sent"
    with clients(app).sessions() as s:
        for message_id in orphaned:
            details = s.execute(select(SmsEvent.detail).where(SmsEvent.message_id == message_id)).scalars().all()
            # Settled by AT's delivery report (AT had it) or resent after none came (AT never had it).
            assert any(d.startswith("report ") or d.startswith("no delivery report") for d in details), details


def test_rejected_numbers_are_not_retried(app, stub, workers):
    queue_messages(app, 3)
    stub.recipient_status(406, times=3)  # UserInBlacklist
    workers.start()
    wait_until_all(app, 3, done=("rejected",))
    time.sleep(1.5)  # a retry would have come by now
    assert stub.requests == 3 and stub.accepted == []


def test_linking_on_ussd_sends_one_confirmation_through_at_in_the_members_language(settings, stub, workers):
    from tests.conftest import seed_demo_database
    from tests.ussd_dsl import ussd

    seed_demo_database(settings["DATABASE_URL"])
    typed = load_config(env=settings)
    app = make_app(settings["DATABASE_URL"], **{k: typed[k] for k in settings if k != "DATABASE_URL"})
    workers.start()
    token = settings["USSD_WEBHOOK_TOKEN"]
    convo = ussd(app.test_client()).dial("+8562055534567", token=token)
    convo.press("1", "1003456789", "03111992", "4826", "4826").ends()
    # AT retrying the last hop
    ussd(app.test_client()).dial("+8562055534567", "1*1003456789*03111992*4826*4826", session_id=convo.session_id,
                                 token=token)
    assert stub.wait_for(1, 20)
    time.sleep(1)  # room for a second one, which must not come
    [received] = stub.accepted
    assert received.to == "+8562055534567"
    assert received.message.startswith("ປກສ: ເບີນີ້ເຊື່ອມກັບເລກປະກັນສັງຄົມ ...6789")
    clients(app).engine.dispose()
