"""SMS confirmations queued from USSD, the outbox's sending rules, delivery reports, opt-outs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from sms import delivery, outbox, reports
from sms.models import SmsEvent, SmsMessage, SmsOptOut, SmsPendingReport
from sms.quiet_hours import QuietHours
from sms.senders import Accepted, FailedSendError, RejectedSendError, TransientSendError
from tests.demo_people import ALMOST, BEHIND, FROZEN_NOW, PENSIONER, PIN, TO_LINK_EN, TO_LINK_LO
from ussd_app.core import keys
from ussd_app.core.extensions import clients
from ussd_app.ussd.runtime import runtime_of

NOW = FROZEN_NOW  # 10:00 in Vientiane


def messages(app, **where) -> list[SmsMessage]:
    clients(app).queue.drain()
    with clients(app).sessions() as s:
        query = select(SmsMessage).order_by(SmsMessage.id)
        for key, value in where.items():
            query = query.where(getattr(SmsMessage, key) == value)
        return list(s.execute(query).scalars())


# ---- confirmations from USSD ---------------------------------------------------

def test_linking_a_phone_puts_a_confirmation_in_the_local_outbox(app, dial):
    phone, ssn, dob = TO_LINK_LO
    dial(phone).press("1", ssn, dob, "4826", "4826").ends()
    [sms] = messages(app)
    assert (sms.kind, sms.recipient, sms.language, sms.status) == ("phone_linked", phone, "lo", "stored")
    assert "...6789" in sms.body and sms.body.startswith("ປກສ:")
    assert sms.encoding == "UCS-2" and sms.parts == 2
    assert "4826" not in sms.body


def test_confirmation_goes_in_the_members_language(app, dial):
    phone, ssn, dob = TO_LINK_EN
    dial(phone, "5").press("1", ssn, dob, "7391", "7391").ends()
    [sms] = messages(app)
    assert sms.language == "en" and sms.body.startswith("LSSO: this phone is now linked")


def test_pin_changed_and_pin_locked_confirmations(app, dial):
    dial(ALMOST).press("6", "1", PIN, "6048", "6048").ends()  # a voluntary member: More, Change PIN
    dial(BEHIND).press("1", "1111", "1112", "1113").ends()
    kinds = [(m.kind, m.recipient) for m in messages(app)]
    assert kinds == [("pin_changed", ALMOST), ("pin_locked", BEHIND)]
    locked = messages(app, kind="pin_locked")[0]
    assert "ຜິດຫຼາຍເທື່ອ" in locked.body and "30 ນາທີ" in locked.body


def test_statement_by_sms_lists_the_last_12_months(app, dial):
    dial(PENSIONER).press("1", PIN, "1").ends().see("SMS")
    [sms] = messages(app, kind="statement")
    lines = sms.body.split("\n")
    assert lines[0] == "ປກສ ເງິນສົມທົບ 12 ເດືອນ (ກີບ):"
    assert lines[1].startswith("11/25") and lines[-2].split(" ")[0].endswith("10/26")
    assert lines[-1].startswith("ລວມ ") and lines[-1].endswith(" ກີບ")
    assert sms.parts <= 3


def test_eligibility_details_by_sms(app, dial):
    convo = dial(ALMOST).press("3", PIN)  # a voluntary member: 1 is the amount due
    while "98 More" in convo.screen:
        convo.press("98")
    convo.see("1 Details by SMS").press("1").ends()
    [sms] = messages(app, kind="eligibility")
    assert sms.body.startswith("LSSO benefits:\nEligible: ")
    assert "Old-age pension: 1 more month, age 60" in sms.body


def test_a_replayed_hop_queues_no_second_sms(app, client):
    phone, ssn, dob = TO_LINK_LO
    form = {"sessionId": "r1", "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801",
            "text": f"1*{ssn}*{dob}*4826*4826"}
    first = client.post("/ussd/africastalking", data=form).get_data(as_text=True)
    again = client.post("/ussd/africastalking", data=form).get_data(as_text=True)
    assert first == again
    assert len(messages(app)) == 1


def test_a_hop_run_again_in_one_session_sends_one_statement(app, dial, client):
    """AT retries the last hop after Redis lost the session: the hop runs again from its history,
    asks for the statement again, and the member still gets one (the outbox key is the session's)."""
    convo = dial(PENSIONER).press("1", PIN, "1").ends()
    clients(app).redis.delete(keys.SESSION.format(session_id=convo.session_id))
    again = client.post("/ussd/africastalking", data={
        "sessionId": convo.session_id, "serviceCode": "*211#", "phoneNumber": PENSIONER, "networkCode": "41801",
        "text": "*".join(convo.inputs)}).get_data(as_text=True)
    assert again == convo.screens[-1]  # the same answer
    assert len(messages(app, kind="statement")) == 1
    dial(PENSIONER).press("1", PIN, "1").ends()  # a new session: a new statement
    assert len(messages(app, kind="statement")) == 2


def test_an_invalid_number_is_refused_before_anything_is_queued(app):
    with app.app_context(), clients(app).sessions() as s:
        with pytest.raises(outbox.InvalidRecipient, match="cannot send an SMS"):
            outbox.add(s, runtime_of(app).sms.templates, recipient="12345", kind="opted_in", language="en",
                       values={}, key="x")
        assert s.execute(select(func.count()).select_from(SmsMessage)).scalar_one() == 0


# ---- sending rules, with senders that answer as told ------------------------------

class Script:
    name = "script"

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.calls = 0

    def send(self, to: str, body: str) -> Accepted:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Accepted(message_id=str(answer), status="Success")


@pytest.fixture
def queued(app):
    with app.app_context(), clients(app).sessions() as s:
        message = outbox.add(s, runtime_of(app).sms.templates, recipient="+8562055512345", kind="pin_changed",
                             language="en", values={}, key="k1")
        s.commit()
        return message.id


def run(app, sender, message_id, now=NOW, scheduled=None):
    policy = delivery.Policy(backoff=(10, 60, 300), quiet=QuietHours.parse("08:00-20:00", "Asia/Vientiane"))
    with clients(app).sessions() as s:
        outcomes = delivery.deliver(s, sender, policy, [message_id], lambda: now,
                                    lambda mid, when: (scheduled if scheduled is not None else []).append(when))
    [(outcome, count)] = outcomes.items()
    return outcome


def row(app, message_id) -> SmsMessage:
    with clients(app).sessions() as s:
        return s.get(SmsMessage, message_id)


def test_transient_failures_retry_with_backoff_then_send(app, queued):
    sender, when = Script(TransientSendError("HTTP 503"), TransientSendError("timeout"), "AT-1"), []
    assert run(app, sender, queued, scheduled=when) == "retry"
    assert when == [NOW + timedelta(seconds=10)]
    assert run(app, sender, queued) == "early"  # too early: the backoff holds, the job comes back later
    assert run(app, sender, queued, NOW + timedelta(seconds=10), when) == "retry"
    assert when[-1] == NOW + timedelta(seconds=70)
    assert run(app, sender, queued, NOW + timedelta(seconds=70)) == "sent"
    done = row(app, queued)
    assert (done.status, done.attempts, done.provider_message_id) == ("sent", 3, "AT-1")
    assert run(app, sender, queued, NOW + timedelta(hours=1)) == "skipped"  # sent once, never again
    assert sender.calls == 3


def test_retries_run_out_and_the_failure_stays_visible(app, queued):
    sender = Script(*[TransientSendError("HTTP 500")] * 4)
    moment = NOW
    for expected in ("retry", "retry", "retry", "failed"):
        assert run(app, sender, queued, moment) == expected
        moment += timedelta(hours=1)
    failed = row(app, queued)
    assert failed.status == "failed" and "gave up after 4 tries" in failed.last_error


def test_rejected_is_final_and_never_retried(app, queued):
    sender = Script(RejectedSendError("406 UserInBlacklist"))
    assert run(app, sender, queued) == "rejected"
    assert run(app, sender, queued, NOW + timedelta(hours=1)) == "skipped"
    assert row(app, queued).last_error == "406 UserInBlacklist" and sender.calls == 1


def test_configuration_failure_is_final_and_can_be_requeued(app, queued, runner):
    assert run(app, Script(FailedSendError("HTTP 401")), queued) == "failed"
    result = runner.invoke(args=["sms", "requeue", str(queued)])
    assert result.exit_code == 0 and "requeued 1" in result.output
    clients(app).queue.drain()
    assert row(app, queued).status == "stored"  # the in-process queue handed it to the local outbox


def test_reminder_retry_waits_for_the_end_of_quiet_hours(app):
    with app.app_context(), clients(app).sessions() as s:
        message = outbox.add(s, runtime_of(app).sms.templates, recipient="+8562055512345", kind="reminder_due",
                             language="lo", values={"period": "11/2026", "due_date": "15/12/2026",
                                                    "minimum": "225,000 ກີບ",
                                                    "reference": "800000024"}, key="r1")
        s.commit()
    evening = datetime(2026, 11, 20, 12, 59, 55, tzinfo=timezone.utc)  # 19:59:55 in Vientiane
    when: list[datetime] = []
    assert run(app, Script(TransientSendError("HTTP 502")), message.id, evening, when) == "retry"
    assert when == [datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc)]  # 08:00 the next morning


# ---- delivery reports ---------------------------------------------------------------

def report(client, **form):
    data = {"id": "ATXid_1", "status": "Success", "phoneNumber": "+8562055512345", "networkCode": "41801",
            "failureReason": "", "retryCount": "0", **form}
    return client.post("/sms/africastalking/delivery", data=data)


def test_the_same_delivery_report_twice_changes_the_state_once(app, client, queued):
    run(app, Script("ATXid_1"), queued)
    first, second = report(client), report(client)
    assert (first.status_code, first.get_data(as_text=True)) == (200, "updated")
    assert (second.status_code, second.get_data(as_text=True)) == (200, "duplicate")
    done = row(app, queued)
    assert done.status == "delivered" and done.delivered_at is not None
    with clients(app).sessions() as s:
        events = s.execute(select(SmsEvent.status).where(SmsEvent.message_id == queued)).scalars().all()
    assert events.count("delivered") == 1


def test_failed_report_records_the_reason_and_late_reports_change_nothing(app, client, queued):
    run(app, Script("ATXid_1"), queued)
    report(client, status="Failed", failureReason="InsufficientCredit")
    report(client, status="Success")  # too late: failed is final
    failed = row(app, queued)
    assert failed.status == "failed" and failed.last_error == "Failed: InsufficientCredit"


def test_a_report_for_an_id_not_saved_yet_is_kept_and_applied_when_it_is(app, client, queued):
    """AT may report before our sender has saved AT's answer: the report waits for it."""
    response = report(client, id="ATXid_42")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "stored")
    assert row(app, queued).status == "queued"  # it names no message we know: nothing is touched
    run(app, Script("ATXid_42"), queued)  # the sender saves the id, and the report applies
    assert row(app, queued).status == "delivered"
    with clients(app).sessions() as s:
        assert s.execute(select(SmsPendingReport)).first() is None


def test_malformed_report_gets_400(client):
    assert report(client, id="").status_code == 400
    assert report(client, phoneNumber="nope").status_code == 400


class ReportsFirst(Script):
    """AT's report overtakes AT's own answer: it arrives while the send is still in flight."""

    def __init__(self, app, provider_id: str, phone: str = "+8562055512345") -> None:  # type: ignore[no-untyped-def]
        super().__init__(provider_id)
        self.app, self.phone = app, phone

    def send(self, to: str, body: str) -> Accepted:
        with clients(self.app).sessions() as other:  # another process: the web's callback
            self.outcome = reports.apply_report(other, self.answers[0], "Success", to, "", NOW)
        return super().send(to, body)


def test_a_report_that_overtakes_the_sender_settles_its_own_message_only(app, queued):
    """The old phone match settled the oldest message sending to that phone: the wrong one
    when two were in flight. Now only the id names a message."""
    with app.app_context(), clients(app).sessions() as s:
        other = outbox.add(s, runtime_of(app).sms.templates, recipient="+8562055512345", kind="opted_in",
                           language="en", values={}, key="k-other")
        s.commit()
        outbox.claim(s, [other.id], NOW)  # claimed first, not sent yet: the old code matched this one
    sender = ReportsFirst(app, "ATXid_7")
    assert run(app, sender, queued) == "sent" and sender.outcome == "stored"
    assert (row(app, queued).status, row(app, queued).provider_message_id) == ("delivered", "ATXid_7")
    assert (row(app, other.id).status, row(app, other.id).provider_message_id) == ("sending", None)


class SlowPastTheSweep(Script):
    """A sender so slow that the sweep takes it for dead and settles its message from AT's
    report before the sender's own answer is recorded."""

    def __init__(self, app, provider_id: str) -> None:  # type: ignore[no-untyped-def]
        super().__init__(provider_id)
        self.app = app

    def send(self, to: str, body: str) -> Accepted:
        from sms import recovery

        with clients(self.app).sessions() as other:
            reports.apply_report(other, self.answers[0], "Success", to, "", NOW)
            found = recovery.recover(other, NOW + timedelta(seconds=61), sending_timeout=60, report_grace=900,
                                     lost_after=120)
        self.settled = found.settled
        return super().send(to, body)


def test_a_sender_answering_after_the_sweep_settled_its_message_changes_nothing(app, queued):
    """Its late 'sent' once landed in the history after 'delivered'."""
    sender = SlowPastTheSweep(app, "ATXid_slow")
    assert run(app, sender, queued) == "sent" and sender.settled == [queued]
    assert row(app, queued).status == "delivered"
    with clients(app).sessions() as s:
        history = s.execute(select(SmsEvent.status).where(SmsEvent.message_id == queued)
                            .order_by(SmsEvent.id)).scalars().all()
    assert history[-1] == "delivered" and "sent" not in history


# ---- inbound STOP / START, AT opt-outs ----------------------------------------------

def inbound(client, text, sender="+8562055523456", message_id="in-1"):
    return client.post("/sms/africastalking/inbound", data={
        "from": sender, "to": "21212", "text": text, "date": "2026-11-20 10:00:00", "id": message_id, "linkId": ""})


@pytest.mark.parametrize("word", ["STOP", "stop", "ຢຸດ", " Stop please"])
def test_stop_opts_out_and_is_confirmed(app, client, word):
    response = inbound(client, word)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "stop")
    with clients(app).sessions() as s:
        assert s.get(SmsOptOut, "+8562055523456").opted_out
    [sms] = messages(app)
    assert sms.kind == "opted_out" and sms.language == "lo"  # the member's language


def test_repeated_stop_callback_confirms_once_and_start_opts_back_in(app, client):
    inbound(client, "STOP")
    inbound(client, "STOP")  # AT retrying the same message
    inbound(client, "START", message_id="in-2")
    assert [m.kind for m in messages(app)] == ["opted_out", "opted_in"]
    with clients(app).sessions() as s:
        assert not s.get(SmsOptOut, "+8562055523456").opted_out


def test_other_inbound_text_is_ignored_and_malformed_refused(app, client):
    assert inbound(client, "hello").get_data(as_text=True) == "ignored"
    assert client.post("/sms/africastalking/inbound", data={"text": "STOP"}).status_code == 400
    assert messages(app) == []


def test_at_bulk_opt_out(app, client):
    response = client.post("/sms/africastalking/optout", data={"senderId": "LSSO", "phoneNumber": "+8562055523456"})
    assert response.status_code == 200
    with clients(app).sessions() as s:
        assert s.get(SmsOptOut, "+8562055523456").source == "at_bulk"
    assert messages(app) == []  # no confirmation can reach a phone that blocked us at AT


def test_sweep_resends_a_message_whose_sender_died_when_no_report_came(app, queued):
    from sms import recovery

    with clients(app).sessions() as s:
        outbox.claim(s, [queued], NOW)  # then the sender dies: no answer recorded
    with clients(app).sessions() as s:
        found = recovery.recover(s, NOW + timedelta(seconds=61), sending_timeout=60, report_grace=900, lost_after=120)
        assert found.in_doubt == 1 and found.resent == []  # waiting for AT's report
        found = recovery.recover(s, NOW + timedelta(seconds=901), sending_timeout=60, report_grace=900,
                                 lost_after=120)
        assert found.resent == [queued]
    assert run(app, Script("AT-9"), queued, NOW + timedelta(seconds=902)) == "sent"
    assert row(app, queued).attempts == 2


def test_sweep_gives_lost_jobs_back(app, queued):
    from sms import recovery

    with clients(app).sessions() as s:
        found = recovery.recover(s, datetime.now(timezone.utc) + timedelta(hours=1), sending_timeout=60,
                                 report_grace=900, lost_after=120)
    assert found.requeued == [queued]


def add_messages(app, n: int, prefix: str) -> list[int]:
    sms = runtime_of(app).sms
    with app.app_context(), clients(app).sessions() as s:
        ids = [outbox.add(s, sms.templates, recipient=f"+85620555{i:05d}", kind="opted_in", language="en", values={},
                          key=f"{prefix}{i}").id for i in range(n)]
        s.commit()
    return ids


POLICY = delivery.Policy(backoff=(10,), quiet=QuietHours.parse("08:00-20:00", "Asia/Vientiane"))


def test_a_batch_claims_each_message_once_and_skips_what_is_not_queued(app):
    ids = add_messages(app, 5, "b")
    sender = Script("a", RejectedSendError("403"), TransientSendError("500"), "d", "e")
    with clients(app).sessions() as s:
        first = delivery.deliver(s, sender, POLICY, ids, lambda: NOW, lambda mid, when: None)
        again = delivery.deliver(s, sender, POLICY, ids, lambda: NOW, lambda mid, when: None)
    assert first == {"sent": 3, "rejected": 1, "retry": 1}
    assert again == {"skipped": 4, "early": 1}  # nothing sent twice; the retry waits its turn
    assert sender.calls == 5


def test_an_unexpected_error_fails_that_message_and_gives_back_the_rest(app):
    ids = add_messages(app, 3, "u")
    with clients(app).sessions() as s, pytest.raises(KeyError):
        delivery.deliver(s, Script("a", KeyError("bug")), POLICY, ids, lambda: NOW, lambda mid, when: None)
    assert [row(app, i).status for i in ids] == ["sent", "failed", "queued"]


def test_a_slow_batch_hands_its_unsent_messages_to_a_fresh_job(app):
    ids = add_messages(app, 4, "s")
    ticks = iter(NOW + timedelta(seconds=20 * i) for i in range(100))  # every send takes 20 s
    policy = delivery.Policy(backoff=(10,), quiet=QuietHours.parse("08:00-20:00", "Asia/Vientiane"), claim_budget=50)
    handed: list[int] = []
    with clients(app).sessions() as s:
        outcomes = delivery.deliver(s, Script("a", "b", "c", "d"), policy, ids, lambda: next(ticks),
                                    lambda mid, when: handed.append(mid))
    assert outcomes == {"sent": 2, "released": 2}
    assert handed == ids[2:] and [row(app, i).status for i in ids[2:]] == ["queued", "queued"]


# ---- decided when sent, with one reading of the clock ------------------------------------------

def reminder(app, key: str = "r-send", phone: str = "+8562055523456", not_before=None) -> int:
    with app.app_context(), clients(app).sessions() as s:
        message = outbox.add(s, runtime_of(app).sms.templates, recipient=phone, kind="reminder_due", language="lo",
                             values={"period": "11/2026", "due_date": "15/12/2026", "minimum": "225,000 ກີບ",
                                                    "reference": "800000024"},
                             key=key, not_before=not_before)
        s.commit()
        return message.id


def test_a_waiting_reminder_to_a_phone_that_said_stop_is_cancelled_not_sent(app, client):
    waiting = reminder(app)
    inbound(client, "STOP")  # while the reminder waits (quiet hours, a backlog…)
    sender = Script("AT-1")
    assert run(app, sender, waiting) == "cancelled"
    assert sender.calls == 0
    cancelled = row(app, waiting)
    assert (cancelled.status, cancelled.last_error) == ("cancelled", "opted out")
    assert run(app, sender, waiting, NOW + timedelta(hours=1)) == "skipped"  # and stays so


def test_a_confirmation_still_goes_to_a_phone_that_said_stop(app, client):
    inbound(client, "STOP")
    clients(app).queue.drain()
    assert [(m.kind, m.status) for m in messages(app)] == [("opted_out", "stored")]


def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(app):
    waiting = reminder(app)
    night = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)  # 22:00 in Vientiane
    when: list[datetime] = []
    assert run(app, Script("AT-1"), waiting, night, when) == "early"
    morning = datetime(2026, 11, 21, 1, 0, tzinfo=timezone.utc)
    assert when == [morning] and row(app, waiting).not_before.replace(tzinfo=timezone.utc) == morning
    assert run(app, Script("AT-1"), waiting, morning) == "sent"


def test_a_job_that_comes_a_moment_early_is_rescheduled_not_dropped(app):
    """The claim and the 'not due yet' look read one clock: a due time between two readings
    once left the message neither sent nor rescheduled."""
    due = NOW + timedelta(milliseconds=500)
    with app.app_context(), clients(app).sessions() as s:
        message = outbox.add(s, runtime_of(app).sms.templates, recipient="+8562055512345", kind="pin_changed",
                             language="en", values={}, key="early", not_before=due)
        s.commit()
    ticks = iter([NOW, NOW + timedelta(seconds=1), NOW + timedelta(seconds=2), NOW + timedelta(seconds=3)])
    when: list[datetime] = []
    policy = delivery.Policy(backoff=(10,), quiet=QuietHours.parse("08:00-20:00", "Asia/Vientiane"))
    with clients(app).sessions() as s:
        outcome = delivery.deliver(s, Script("AT-1"), policy, [message.id], lambda: next(ticks),
                                   lambda mid, at: when.append(at))
    assert outcome == {"early": 1}
    assert [w.replace(tzinfo=timezone.utc) for w in when] == [due]


def test_the_sweep_settles_an_in_doubt_message_from_the_one_report_that_can_be_its_own(app, client, queued):
    from sms import recovery

    with clients(app).sessions() as s:
        outbox.claim(s, [queued], NOW)  # the sender dies after AT accepted it: no id saved
    report(client, id="ATXid_lost")  # AT's report: kept, it names no message we know
    with clients(app).sessions() as s:
        found = recovery.recover(s, NOW + timedelta(seconds=61), sending_timeout=60, report_grace=900, lost_after=120)
    assert found.settled == [queued] and found.resent == []
    done = row(app, queued)
    assert (done.status, done.provider_message_id) == ("delivered", "ATXid_lost")


def test_two_messages_in_doubt_for_one_phone_are_not_settled_by_guess(app, client, queued):
    from sms import recovery

    with app.app_context(), clients(app).sessions() as s:
        other = outbox.add(s, runtime_of(app).sms.templates, recipient="+8562055512345", kind="opted_in",
                           language="en", values={}, key="k-twin")
        s.commit()
    with clients(app).sessions() as s:
        outbox.claim(s, [queued, other.id], NOW)
    report(client, id="ATXid_which")
    with clients(app).sessions() as s:
        found = recovery.recover(s, NOW + timedelta(seconds=61), sending_timeout=60, report_grace=900, lost_after=120)
        assert found.settled == []
        found = recovery.recover(s, NOW + timedelta(seconds=901), sending_timeout=60, report_grace=900,
                                 lost_after=120)
    assert sorted(found.resent) == sorted([queued, other.id])  # a duplicate, perhaps; never a loss


# ---- which sender: an explicit setting -------------------------------------------------

def test_the_sender_is_the_one_sms_backend_names_not_whichever_credentials_are_set():
    from sms.africastalking import AfricasTalkingSender
    from sms.senders import OutboxSender
    from sms.service import build_sender
    from ussd_app.core.config import load_config

    with_keys = {"AT_USERNAME": "lsso", "AT_API_KEY": "k"}
    assert isinstance(build_sender(load_config(env=with_keys)), OutboxSender)  # default: outbox, keys or not
    assert isinstance(build_sender(load_config(env={**with_keys, "SMS_BACKEND": "africastalking"})),
                      AfricasTalkingSender)
    with pytest.raises(RuntimeError, match="needs AT_USERNAME and AT_API_KEY"):
        build_sender(load_config(env={"SMS_BACKEND": "africastalking"}))
    with pytest.raises(RuntimeError, match="SMS_BACKEND must be one of"):
        build_sender(load_config(env={"SMS_BACKEND": "carrier-pigeon"}))
