"""One conformance test for every SmsSender, then the AT adapter's handling of AT's answers,
through the real SDK and real HTTP to the stub on 127.0.0.1."""

from __future__ import annotations

import pytest

from sms.africastalking import AfricasTalkingSender
from sms.senders import (
    Accepted,
    FailedSendError,
    OutboxSender,
    RejectedSendError,
    TransientSendError,
    UncertainSendError,
)
from tests.at_stub import AtStub

TO = "+8562055512345"


@pytest.fixture(params=["outbox", "africastalking"])
def sender(request, stub):
    if request.param == "outbox":
        return OutboxSender()
    return AfricasTalkingSender("lsso", "stub-key", "LSSO", base_url=stub.url, read_timeout=1.0)


def test_every_sender_accepts_lao_and_english_with_an_id_each(sender):
    first = sender.send(TO, "ປກສ: ລະຫັດ PIN ຂອງທ່ານຖືກປ່ຽນແລ້ວ.")
    second = sender.send(TO, "LSSO: your PIN was changed.")
    assert isinstance(first, Accepted) and first.message_id and first.status
    assert first.message_id != second.message_id


def at(stub: AtStub, timeout: float = 1.0) -> AfricasTalkingSender:
    return AfricasTalkingSender("lsso", "stub-key", "LSSO", base_url=stub.url, read_timeout=timeout)


def test_message_reaches_at_with_sender_id_and_text(stub):
    accepted = at(stub).send(TO, "ປກສ: ທົດລອງ")
    assert [(r.to, r.message, r.message_id) for r in stub.accepted] == [(TO, "ປກສ: ທົດລອງ", accepted.message_id)]


@pytest.mark.parametrize("code, error", [
    (500, TransientSendError), (501, TransientSendError), (502, TransientSendError),
    (403, RejectedSendError), (404, RejectedSendError), (406, RejectedSendError),
    (402, FailedSendError),
])
def test_per_recipient_status_codes(stub, code, error):
    stub.recipient_status(code, times=1)
    with pytest.raises(error, match=str(code)):
        at(stub).send(TO, "x")
    assert stub.accepted == []


@pytest.mark.parametrize("status, error", [(500, TransientSendError), (503, TransientSendError),
                                           (401, FailedSendError), (400, FailedSendError)])
def test_http_errors(stub, status, error):
    stub.fail_http(status)
    with pytest.raises(error, match=f"HTTP {status}"):
        at(stub).send(TO, "x")


def test_wrong_api_key_is_a_final_failure(stub):
    with pytest.raises(FailedSendError, match="HTTP 401"):
        AfricasTalkingSender("lsso", "wrong", base_url=stub.url).send(TO, "x")


def test_no_answer_in_time_is_in_doubt_not_a_plain_retry(stub):
    stub.delay = 0.5
    with pytest.raises(UncertainSendError):
        at(stub, timeout=0.2).send(TO, "x")
    assert stub.wait_for(1, 2)  # AT did get it: a blind resend would have sent it twice


def test_refused_connection_is_a_plain_retry(stub):
    url = stub.url
    stub.stop()
    with pytest.raises(TransientSendError, match="connection refused"):
        AfricasTalkingSender("lsso", "stub-key", base_url=url).send(TO, "x")
