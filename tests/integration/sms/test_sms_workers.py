"""Real RQ worker processes, a real Redis, the AT stub over HTTP: faults that must lose no SMS
and send none twice."""

from __future__ import annotations

import signal
import time

from sqlalchemy import select

from sms.models import SmsEvent, SmsMessage
from tests.conftest import make_app
from tests.integration.sms.conftest import assert_each_sent_exactly_once, queue_messages, wait_until_all
from ussd_app.core.clock import SystemClock
from ussd_app.core.config import load_config
from ussd_app.core.extensions import clients


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
    app = make_app(settings["DATABASE_URL"], clock=SystemClock(),
                   **{k: typed[k] for k in settings if k != "DATABASE_URL"})
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
    clients(app).dispose()
