"""When the network drops a USSD session: offered again on redial, and the result it stood on by SMS.

Through the real webhook and AT's end-of-session notices, with the app's clock moved by hand.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sms.models import SmsMessage
from tests.demo_people import BEHIND, PENSIONER, PIN, STRANGER, TO_LINK_LO
from tests.ussd_dsl import Conversation, ussd
from ussd_app.core import keys
from ussd_app.core.extensions import clients
from ussd_app.core.job_queue import InProcessJobQueue
from ussd_app.members.models import Member
from ussd_app.publishing import versions
from ussd_app.ussd import drops
from ussd_app.ussd.runtime import runtime_of

MENU = Path(__file__).resolve().parents[2] / "menus" / "main.yaml"


def notice(client: FlaskClient, convo: Conversation, status: str) -> None:
    """AT's end-of-session notice for this conversation's session."""
    response = client.post("/ussd/africastalking/events", data={
        "sessionId": convo.session_id, "serviceCode": "*211#", "phoneNumber": convo.phone, "networkCode": "41801",
        "status": status, "durationInMillis": "41000", "hopsCount": str(len(convo.screens)), "input": "",
        "errorMessage": "" if status == "Success" else "Network error"})
    assert response.status_code == 200


def messages(app: Flask, phone: str | None = None) -> list[SmsMessage]:
    queue = clients(app).queue
    if isinstance(queue, InProcessJobQueue):
        queue.drain()
    with clients(app).sessions() as session:
        query = select(SmsMessage).order_by(SmsMessage.id)
        if phone:
            query = query.where(SmsMessage.recipient == phone)
        return list(session.execute(query).scalars())


def dropped_sms(app: Flask, phone: str) -> list[SmsMessage]:
    return [m for m in messages(app, phone) if m.idempotency_key.startswith("dropped:")]


def move(app: Flask, **delta: float) -> None:
    runtime_of(app).clock.advance(timedelta(**delta))


def sweep(app: Flask) -> int:
    with app.app_context():
        return drops.sweep(runtime_of(app))


def at_contributions(client: FlaskClient, phone: str = PENSIONER) -> Conversation:
    """A linked member who has just been shown their contributions (behind the PIN)."""
    return ussd(client).dial(phone).press("1", PIN).see("ຈ່າຍແລ້ວ").continues()


# ---- the result by SMS --------------------------------------------------------------

@pytest.mark.parametrize("status", ["Failed", "Incomplete"])
def test_a_result_the_network_dropped_comes_by_sms_in_the_members_language(app, client, status):
    convo = at_contributions(client)
    assert dropped_sms(app, PENSIONER) == []  # nothing while the session may still go on
    notice(client, convo, status)
    [sent] = dropped_sms(app, PENSIONER)
    assert sent.kind == "statement" and sent.language == "lo"
    assert "ປກສ ເງິນສົມທົບ 12 ເດືອນ" in sent.body and "ລວມ" in sent.body
    assert sent.status in ("stored", "sent")  # it went (make run's local outbox stores it)


def test_no_sms_when_the_member_saw_the_result_and_the_session_ended_normally(app, client):
    convo = at_contributions(client)
    notice(client, convo, "Success")
    move(app, minutes=10)
    assert sweep(app) == 0
    assert dropped_sms(app, PENSIONER) == []
    # Asked for by the member, the statement is sent once, as before; its session's end drops nothing.
    convo = ussd(client).dial(PENSIONER).press("1", PIN, "1").ends()
    notice(client, convo, "Success")
    assert [m.kind for m in messages(app, PENSIONER)] == ["statement"]
    assert dropped_sms(app, PENSIONER) == []


def test_no_sms_for_a_session_that_left_the_result_screen(app, client):
    convo = at_contributions(client).press("0").see("1 ເງິນສົມທົບ")  # back to the menu: the result was seen
    notice(client, convo, "Failed")
    assert dropped_sms(app, PENSIONER) == []


def test_sms_sent_once_when_both_the_notice_and_the_timeout_fire(app, client):
    convo = at_contributions(client)
    notice(client, convo, "Failed")
    move(app, minutes=4)  # past the network's limit (180 s by default): the sweep finds it too, or would
    sweep(app)
    notice(client, convo, "Failed")  # AT retries its notice
    assert len(dropped_sms(app, PENSIONER)) == 1
    # The other order: the timeout first, then a late notice.
    convo = ussd(client).dial(BEHIND).press("2", PIN).see("ຈ່າຍແລ້ວ")
    move(app, seconds=181)
    assert sweep(app) == 1
    notice(client, convo, "Incomplete")
    assert sweep(app) == 0
    assert len(dropped_sms(app, BEHIND)) == 1


def test_the_timeout_follows_the_networks_time_limit(app_on_demo_data):
    app = app_on_demo_data(USSD_OPERATOR_TIMEOUT_SECONDS="41801=60,*=180")
    client = app.test_client()
    at_contributions(client)
    move(app, seconds=59)
    assert sweep(app) == 0 and dropped_sms(app, PENSIONER) == []
    move(app, seconds=2)  # 61 s after the session began: this network has surely cut it
    assert sweep(app) == 1
    assert len(dropped_sms(app, PENSIONER)) == 1


def test_amount_due_and_its_payment_reference_come_by_sms(app, client):
    convo = ussd(client).dial(BEHIND).press("1", PIN).see("ເລກອ້າງອີງ")
    reference = re.search(r"ເລກອ້າງອີງ (\d+)", convo.screen).group(1)  # type: ignore[union-attr]
    notice(client, convo, "Failed")
    [sent] = dropped_sms(app, BEHIND)
    assert sent.kind == "dues" and reference in sent.body and "ກີບ" in sent.body


def test_eligibility_in_english_comes_by_sms_in_english(app, client):
    from tests.demo_people import ALMOST

    convo = ussd(client).dial(ALMOST).press("3", PIN).see("Old-age pension")
    notice(client, convo, "Incomplete")
    [sent] = dropped_sms(app, ALMOST)
    assert sent.kind == "eligibility" and sent.language == "en" and sent.body.startswith("LSSO benefits:")


def test_a_dropped_result_sms_is_a_confirmation_quiet_hours_do_not_hold_it(app, client):
    runtime_of(app).clock.set(datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc))  # 22:30 in Vientiane
    convo = at_contributions(client)
    notice(client, convo, "Failed")
    [sent] = dropped_sms(app, PENSIONER)
    assert sent.not_before is None and sent.status in ("stored", "sent")


def test_the_member_can_turn_it_off_and_on_again(app, client):
    ussd(client).dial(PENSIONER).press("6", PIN, "3").see("SMS: ເປີດ").press("2").ends().see("ປິດ")
    convo = ussd(client).dial(PENSIONER).press("1", PIN).see("ຈ່າຍແລ້ວ")
    notice(client, convo, "Failed")
    assert dropped_sms(app, PENSIONER) == []
    move(app, minutes=6)
    ussd(client).dial(PENSIONER).press("6", PIN, "3").see("SMS: ປິດ").press("1").ends().see("ເປີດ")
    convo = ussd(client).dial(PENSIONER).press("1", PIN).see("ຈ່າຍແລ້ວ")
    notice(client, convo, "Failed")
    assert len(dropped_sms(app, PENSIONER)) == 1


def test_an_application_reference_is_sent_once_when_the_last_screen_is_lost(app, client):
    from tests.unit.test_transcripts import _JOIN, NEW_PHONE

    convo = ussd(client).dial(NEW_PHONE).press(*_JOIN, "98", "98", "1").ends().see("50000")
    notice(client, convo, "Failed")  # the END with the reference may not have reached the phone
    move(app, minutes=10)
    sweep(app)
    sent = messages(app, NEW_PHONE)
    assert [m.kind for m in sent] == ["application_received"]  # its own SMS carries it: not a second one


# ---- resume on redial --------------------------------------------------------------

def test_redial_within_the_window_is_offered_to_continue_and_keeps_what_was_typed(app, client):
    phone, ssn, dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn).see("ວັນເດືອນປີເກີດ")
    move(app, minutes=5)  # the window's last second counts
    again = ussd(client).dial(phone).see("ຄັ້ງກ່ອນສາຍຫຼຸດ", "1 ເຮັດຕໍ່", "2 ເລີ່ມໃໝ່").continues()
    again.press("1").see("ວັນເດືອນປີເກີດ").press(dob).see("ຕັ້ງລະຫັດ PIN")  # the SSN was kept


def test_no_offer_one_second_after_the_window(app, client):
    phone, ssn, _dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn).see("ວັນເດືອນປີເກີດ")
    move(app, minutes=5, seconds=1)
    ussd(client).dial(phone).see("ເຊື່ອມເບີໂທ").not_see("ຄັ້ງກ່ອນສາຍຫຼຸດ")


def test_a_resumed_link_journey_asks_for_the_pin_again_and_keeps_none(app, client):
    phone, ssn, dob = TO_LINK_LO
    first = ussd(client).dial(phone).press("1", ssn, dob, "4826").see("ອີກຄັ້ງ")  # the PIN to repeat
    notice(client, first, "Failed")
    again = ussd(client).dial(phone).see("ຄັ້ງກ່ອນສາຍຫຼຸດ")
    stored = clients(app).redis.hget(keys.SESSION.format(session_id=again.session_id), "body").decode()
    assert "new_pin" not in stored and ssn in stored  # no PIN hash kept for the resume, the SSN is
    again.press("1").see("ຕັ້ງລະຫັດ PIN 4 ຕົວເລກ").not_see("ອີກຄັ້ງ")  # chosen again, from the start
    again.press("4826", "4826").ends().see("ເຊື່ອມເບີສຳເລັດ")
    with clients(app).sessions() as session:
        assert session.execute(select(Member.linked_at).where(Member.phone == phone)).scalar() is not None


def test_a_resumed_screen_behind_a_pin_asks_for_the_pin_again(app, client):
    at_contributions(client)
    again = ussd(client).dial(PENSIONER).see("ຄັ້ງກ່ອນສາຍຫຼຸດ").press("1").see("ໃສ່ລະຫັດ PIN").not_see("ຈ່າຍແລ້ວ")
    again.press("1111").see("ບໍ່ຖືກ").not_see("ຈ່າຍແລ້ວ")  # a wrong PIN counts as ever
    again.press(PIN).see("ຈ່າຍແລ້ວ 192 ເດືອນ")
    again.press("0").see("1 ເງິນສົມທົບ")  # and the way back is the one it had


def test_start_again_clears_it(app, client):
    phone, ssn, _dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn)
    ussd(client).dial(phone).see("ຄັ້ງກ່ອນສາຍຫຼຸດ").press("2").see("ເຊື່ອມເບີໂທ", "5 English")
    ussd(client).dial(phone).not_see("ຄັ້ງກ່ອນສາຍຫຼຸດ").see("ເຊື່ອມເບີໂທ")


def test_the_offer_comes_in_the_dropped_sessions_language_and_a_typo_asks_again(app, client):
    phone, ssn, _dob = TO_LINK_LO
    ussd(client).dial(phone, "5").press("1", ssn).see("date of birth")
    ussd(client).dial(phone).see("Your last session was cut off", "1 Continue where you left off") \
        .press("7").see("Try again", "2 Start again").press("1").see("date of birth")


def test_not_offered_after_a_finished_session_or_a_dial_with_keys(app, client):
    ussd(client).dial(PENSIONER).press("1", PIN, "1").ends()  # the statement by SMS: finished
    ussd(client).dial(PENSIONER).not_see("ຄັ້ງກ່ອນສາຍຫຼຸດ").see("1 ເງິນສົມທົບ")
    at_contributions(client)
    ussd(client).dial(PENSIONER, "2").see("ໃສ່ລະຫັດ PIN")  # *211*2#: the member said where to go


def test_not_offered_after_a_normal_end_notice(app, client):
    phone, ssn, _dob = TO_LINK_LO
    convo = ussd(client).dial(phone).press("1", ssn)
    notice(client, convo, "Success")
    ussd(client).dial(phone).not_see("ຄັ້ງກ່ອນສາຍຫຼຸດ")


def publish(app: Flask, yaml_text: str) -> None:
    rt = runtime_of(app)
    with clients(app).sessions() as session:
        draft = versions.new_draft(session, "staff@lsso.example")
        versions.save_draft(session, draft.id, yaml_text, rt.actions)
        versions.publish(session, draft.id, "staff@lsso.example", rt.actions)
        session.commit()
        rt.menus.published(draft.id)


def test_not_offered_when_a_new_menu_version_removed_the_screen(app, client):
    phone, ssn, _dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn).see("ວັນເດືອນປີເກີດ")
    publish(app, MENU.read_text(encoding="utf-8").replace("link_dob", "link_birth_date"))
    ussd(client).dial(phone).not_see("ຄັ້ງກ່ອນສາຍຫຼຸດ").see("ເຊື່ອມເບີໂທ")


def test_offered_on_a_new_menu_version_that_kept_the_screen(app, client):
    phone, ssn, dob = TO_LINK_LO
    ussd(client).dial(phone).press("1", ssn).see("ວັນເດືອນປີເກີດ")
    publish(app, MENU.read_text(encoding="utf-8").replace("ປກສ ສະບາຍດີ", "ປກສ ສະບາຍດີ!"))
    ussd(client).dial(phone).see("ຄັ້ງກ່ອນສາຍຫຼຸດ").press("1").press(dob).see("ຕັ້ງລະຫັດ PIN")


# ---- analytics -------------------------------------------------------------------------

def test_drops_and_resumes_are_counted_per_screen_and_network(app, client):
    from tests.unit.test_admin_analytics import signed_in

    phone, ssn, _dob = TO_LINK_LO
    first = ussd(client).dial(phone).press("1", ssn)
    notice(client, first, "Failed")
    ussd(client).dial(phone).press("1").see("ວັນເດືອນປີເກີດ")  # taken up again, and left there too
    ussd(client).dial(STRANGER).press("3", "1", "1")  # dropped at the document number, never taken up
    move(app, minutes=10)
    sweep(app)
    page = signed_in(app).get("/admin/analytics?days=7").get_data(as_text=True)
    table = page.split('id="drops"', 1)[1].split("</table>", 1)[0]
    link_row = table.split('data-node="link_dob"', 1)[1].split("</tr>", 1)[0]
    assert 'data-network="41801"' in link_row
    cells = _cells(link_row)
    assert cells["dropped"] == "2" and cells["resumed"] == "1" and cells["share"] == "50%"
    join_row = table.split('data-node="join_id_number"', 1)[1].split("</tr>", 1)[0]
    assert _cells(join_row)["dropped"] == "1" and _cells(join_row)["resumed"] == "0"


def _cells(row: str) -> dict[str, str]:
    out = {}
    for part in row.split('data-col="')[1:]:
        name, rest = part.split('"', 1)
        out[name] = rest.split(">", 1)[1].split("<", 1)[0].strip()
    return out


def test_the_sweep_takes_every_due_session_in_batches(app, client):
    phones = [f"+85620777{n:05d}" for n in range(7)]
    for n, phone in enumerate(phones):
        ussd(client).dial(phone, session_id=f"many-{n}").press("2")  # strangers on the benefits menu
    move(app, minutes=4)
    with app.app_context():
        assert drops.sweep(runtime_of(app), batch=3) == 7  # three batches: 3, 3 and 1
        assert drops.sweep(runtime_of(app), batch=3) == 0
    assert clients(app).redis.zcard(keys.DROP_WATCH) == 0
