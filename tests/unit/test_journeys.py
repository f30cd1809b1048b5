"""Every journey of the default menu, end to end through the webhook, in Lao and English.

Phones and people are the demo data set's showcase members (ussd_app/members/demo/data/README.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.demo_people import (
    ALMOST,
    BEHIND,
    FROZEN_NOW,
    NO_CONTRIB,
    PENSIONER,
    PIN,
    STRANGER,
    TO_LINK_EN,
    TO_LINK_LO,
    later,
)
from ussd_app.core.extensions import clients
from ussd_app.members.models import Member
from ussd_app.ussd.runtime import runtime_of

pytestmark = pytest.mark.both_databases  # the journeys on production's database too



def member_row(app, ssn: str) -> Member:
    with clients(app).sessions() as session:
        return session.execute(select(Member).where(Member.ssn == ssn)).scalar_one()


def paid_summary(app, ssn: str) -> tuple[int, str, int]:
    member = member_row(app, ssn)
    with clients(app).sessions() as session:
        member = session.merge(member)
        paid = [c for c in member.contributions if c.employee_lak + c.employer_lak > 0]
        return len({c.period for c in paid}), max(c.period for c in paid), sum(c.total_lak for c in paid)


# ---- phone not linked -------------------------------------------------------

def test_guest_menu_in_lao_ends_with_english_option(dial):
    convo = dial(STRANGER).continues()
    lines = convo.screen.split("\n")
    assert lines[0] == "ປກສ ສະບາຍດີ"
    assert lines[1] == "1 ເຊື່ອມເບີໂທ"
    assert lines[-1] == "5 English"


def test_language_switch_is_labelled_in_the_other_language_and_remembered(dial):
    convo = dial(STRANGER).press("5")
    lines = convo.screen.split("\n")
    assert lines[:2] == ["LSSO", "1 Link my phone"]
    assert lines[-1] == "5 ພາສາລາວ"
    # A new session from the same phone starts in English.
    dial(STRANGER).see("1 Link my phone")
    # And back to Lao.
    dial(STRANGER).press("5").see("1 ເຊື່ອມເບີໂທ")
    dial(STRANGER).see("1 ເຊື່ອມເບີໂທ")


def test_benefits_information_both_languages(app, dial):
    dial(STRANGER).press("2").see("ສິດປະໂຫຍດ").press("1").see("ບໍານານ: 180 ເດືອນ, ຊາຍ 60 ຍິງ 55 ປີ")
    dial(STRANGER, "5").press("2", "1").see("Old-age pension: 180 months, age 60 men, 55 women")
    later(app)
    dial(STRANGER).press("2", "2").see("Maternity: 9 months")  # English is remembered


def test_voluntary_scheme_information_gives_rate_and_minimum(dial):
    dial(STRANGER).press("3", "2").see("9%", "225,000 ກີບ")  # 9% of the minimum wage, 2,500,000
    dial(STRANGER, "5").press("3", "2").see("pay 9% of your income", "at least 225,000 LAK a month")


def test_contact_lsso(dial):
    dial(STRANGER).press("4").see("ຫ້ອງການ ປກສ").continues()
    dial(STRANGER, "5").press("4").see("LSSO office").continues()  # "5" switched to English first


# ---- link my phone ----------------------------------------------------------

def test_link_my_phone_in_lao(app, dial):
    phone, ssn, dob = TO_LINK_LO
    convo = dial(phone).press("1").see("ເລກປະກັນສັງຄົມ")
    convo.press(ssn).see("ວັນເດືອນປີເກີດ").press(dob).see("ຕັ້ງລະຫັດ PIN")
    convo.press("4826").see("ອີກຄັ້ງ").press("4826").ends().see("ເຊື່ອມເບີສຳເລັດ", "*211#")
    row = member_row(app, ssn)
    assert row.linked_at is not None and row.pin_hash and "4826" not in row.pin_hash
    # Dialling again now shows the member menu, and the new PIN opens the contributions.
    dial(phone).see("1 ເງິນສົມທົບ").press("1", "4826").see("ຈ່າຍແລ້ວ", "ເດືອນ")


def test_link_my_phone_in_english(app, dial):
    phone, ssn, dob = TO_LINK_EN
    convo = dial(phone).press("5").see("1 Link my phone").press("1").see("social security number")
    convo.press(ssn).see("date of birth").press(dob).see("Choose a 4-digit PIN")
    convo.press("7391", "7391").ends().see("Your phone is linked")
    assert member_row(app, ssn).language == "en"
    dial(phone).see("1 Contributions").press("1", "7391").see("Paid:", "months")


def test_link_refused_when_dialling_phone_is_not_the_one_on_file(app, dial):
    _phone, ssn, dob = TO_LINK_LO
    dial(STRANGER).press("1", ssn, dob).ends().see("ໄປຫ້ອງການ ປກສ")
    assert member_row(app, ssn).linked_at is None


def test_three_failed_identity_tries_block_linking_for_that_phone(app, dial):
    phone, ssn, _dob = TO_LINK_LO
    convo = dial(phone).press("1", ssn, "01011990").see("ຂໍ້ມູນບໍ່ກົງ, ເຫຼືອ 2 ເທື່ອ", "ເລກປະກັນສັງຄົມ")
    convo.press("999999", "01011990").see("ເຫຼືອ 1 ເທື່ອ")
    convo.press(ssn, "02011990").ends().see("24 ຊົ່ວໂມງ")
    # A new session cannot try again, even with the right details.
    dial(phone).press("1").ends().see("24 ຊົ່ວໂມງ")
    assert member_row(app, ssn).linked_at is None


def test_trivial_and_mismatched_pins_are_refused(dial):
    phone, ssn, dob = TO_LINK_LO
    convo = dial(phone).press("1", ssn, dob)
    for trivial in ("0000", "1234", "1992", "9876", "7777"):
        convo.press(trivial).see("ລະຫັດນີ້ເດົາງ່າຍ", "ຕັ້ງລະຫັດ PIN")
    convo.press("12").see("ລະຫັດ PIN ມີ 4 ຕົວເລກ")
    convo.press("4826", "4827").see("ລະຫັດບໍ່ກົງກັນ", "ຕັ້ງລະຫັດ PIN")
    convo.press("4826", "4826").ends().see("ເຊື່ອມເບີສຳເລັດ")


def test_bad_ssn_and_date_get_the_question_again(dial):
    phone, ssn, _dob = TO_LINK_EN
    convo = dial(phone, "5*1").press("12ab").see("Numbers only", "social security number")
    convo.press("123").see("Wrong number of digits").press(ssn)
    convo.press("31022000").see("Not a valid date", "date of birth")
    convo.press("01012099").see("Not a valid date").continues()


def test_already_linked_phone_goes_straight_to_member_menu(dial):
    dial(PENSIONER).see("1 ເງິນສົມທົບ", "5 English")


# ---- linked member ----------------------------------------------------------

def test_my_contributions_in_lao(app, dial):
    months, last, total = paid_summary(app, "1001234567")
    year, month = last.split("-")
    dial(PENSIONER).press("1").see("ລະຫັດ PIN").press(PIN).see(
        f"ຈ່າຍແລ້ວ {months} ເດືອນ", f"ເດືອນລ່າສຸດ: {month}/{year}", f"ລວມ: {total:,} ກີບ")


def test_my_contributions_in_english(app, dial):
    months, last, total = paid_summary(app, "3006789012")
    year, month = last.split("-")
    dial(ALMOST).press("2", PIN).see(f"Paid: {months} months", f"Last paid: {month}/{year}", f"Total: {total:,} LAK")


def test_member_without_contributions_is_told_so(dial):
    dial(NO_CONTRIB).press("1", PIN).see("No contributions on file yet").continues()


def test_eligibility_says_eligible_or_what_is_missing(dial):
    convo = dial(PENSIONER).press("2", PIN)
    seen = [convo.screen]
    while "98 ຕໍ່ໄປ" in convo.screen:
        seen.append(convo.press("98").screen)
    text = "\n".join(seen)
    assert "ບໍານານ: ມີສິດ" in text
    convo = dial(ALMOST).press("3", PIN)  # a voluntary member: 1 is the amount due
    seen = [convo.screen]
    while "98 More" in convo.screen:
        seen.append(convo.press("98").screen)
    assert "Old-age pension: 1 more month, age 60" in "\n".join(seen)


def test_pin_is_asked_once_per_session(dial):
    convo = dial(PENSIONER).press("1", PIN).see("ຈ່າຍແລ້ວ").press("00").see("1 ເງິນສົມທົບ")
    convo.press("2").not_see("ລະຫັດ PIN").see("ມີສິດ")


def test_change_pin(app, dial):
    convo = dial(ALMOST).press("6", "1").see("current PIN").press(PIN).see("new 4-digit PIN")  # More, Change PIN
    convo.press("6048", "6048").ends().see("Your PIN has been changed")
    dial(ALMOST).press("2", PIN).see("Wrong PIN, 2 tries left")
    dial(ALMOST).press("2", "6048").see("Paid:")


def test_member_switches_language_and_it_is_kept_on_the_member(app, dial):
    dial(PENSIONER).press("5").see("1 Contributions", "5 ພາສາລາວ")
    assert member_row(app, "1001234567").language == "en"
    dial(PENSIONER).see("1 Contributions")


# ---- a session that timed out ------------------------------------------------

def test_a_hop_after_the_session_timed_out_starts_again_with_a_notice(app, dial):
    """No sleeping: the app's one clock moves past the session's 180 s."""
    convo = dial(PENSIONER).press("1").see("PIN")
    runtime_of(app).clock.advance(timedelta(seconds=181))
    convo.press(PIN).see("ໝົດເວລາ, ເລີ່ມໃໝ່", "1 ເງິນສົມທົບ")  # the PIN typed late is not used
    convo.press("1").see("PIN")


def test_a_hop_just_inside_the_session_time_carries_on(app, dial):
    convo = dial(PENSIONER).press("1")
    runtime_of(app).clock.advance(timedelta(seconds=179))
    convo.press(PIN).see("ຈ່າຍແລ້ວ")


# ---- PIN lockout ------------------------------------------------------------

def test_three_wrong_pins_lock_for_thirty_minutes_across_sessions(app, dial):
    # BEHIND is a voluntary member: 1 amount due, 2 contributions, 3 benefits, 6 more (3 contact).
    dial(BEHIND).press("2", "1111").see("ລະຫັດ PIN ບໍ່ຖືກ, ເຫຼືອ 2 ເທື່ອ")
    dial(BEHIND).press("2", "1112").see("ເຫຼືອ 1 ເທື່ອ")  # a new session does not reset the count
    dial(BEHIND).press("3", "1113").ends().see("30 ນາທີ")
    dial(BEHIND).press("2").ends().see("ລອງໃໝ່ໃນ")  # locked: not even asked
    dial(BEHIND).press("1").ends()
    # Menus that need no PIN still work.
    dial(BEHIND).press("6", "3").see("ຫ້ອງການ ປກສ")
    # After 30 minutes the right PIN opens again.
    runtime_of(app).clock.set(FROZEN_NOW + timedelta(minutes=31))
    dial(BEHIND).press("2", PIN).see("ຈ່າຍແລ້ວ")


def test_slow_guessing_locks_for_a_day_and_repeated_locks_grow(app, dial):
    """Two wrong PINs every 31 minutes never use up the three in a row, but ten in a day lock
    for 24 hours; the member hears so on the phone and by SMS."""
    for round_ in range(5):
        runtime_of(app).clock.set(FROZEN_NOW + timedelta(minutes=31 * round_))
        convo = dial(BEHIND).press("1", "1111", "1112")
    convo.ends().see("24 ຊົ່ວໂມງ")
    runtime_of(app).clock.set(FROZEN_NOW + timedelta(hours=20))
    dial(BEHIND).press("1").ends().see("ລອງໃໝ່ໃນ")  # still locked, the right PIN not even asked
    assert "24 ຊົ່ວໂມງ" in messages_of(app, "pin_locked")[-1]


def test_a_second_lockout_lasts_twice_as_long(app, dial):
    dial(BEHIND).press("1", "1111", "1112", "1113").ends().see("30 ນາທີ")
    runtime_of(app).clock.set(FROZEN_NOW + timedelta(minutes=31))
    dial(BEHIND).press("1", "1111", "1112", "1113").ends().see("60 ນາທີ")
    assert [("30 ນາທີ" in b, "60 ນາທີ" in b) for b in messages_of(app, "pin_locked")] == [(True, False),
                                                                                            (False, True)]


def messages_of(app, kind: str) -> list[str]:
    from sms.models import SmsMessage

    with clients(app).sessions() as session:
        return [m.body for m in session.execute(select(SmsMessage).where(SmsMessage.kind == kind)
                                                .order_by(SmsMessage.id)).scalars()]


def test_many_pins_in_one_hop_count_one_by_one_and_lock(app, dial):
    """AT sends the whole history in one request: guesses packed into one hop still count."""
    guesses = "*".join(f"{n:04d}" for n in range(1000, 1010))
    dial(BEHIND, f"1*{guesses}").ends().see("30 ນາທີ")
    dial(BEHIND).press("1").ends().see("ລອງໃໝ່ໃນ")


def test_many_identity_tries_in_one_hop_block_linking(app, dial):
    phone, ssn, dob = TO_LINK_LO
    tries = "*".join(f"{ssn}*0101199{n}" for n in range(5))
    dial(phone, f"1*{tries}").ends().see("24 ຊົ່ວໂມງ")
    dial(phone).press("1").ends().see("24 ຊົ່ວໂມງ")


def test_right_pin_resets_the_wrong_pin_count(app, dial):
    dial(BEHIND).press("2", "1111", "1112").see("ເຫຼືອ 1 ເທື່ອ")
    dial(BEHIND).press("2", PIN).see("ຈ່າຍແລ້ວ")
    later(app)
    dial(BEHIND).press("2", "1111").see("ເຫຼືອ 2 ເທື່ອ")


# ---- navigation -------------------------------------------------------------

def test_invalid_choice_shows_same_menu_with_error_not_end(dial):
    convo = dial(STRANGER).press("9").continues().see("ເລືອກບໍ່ຖືກ", "1 ເຊື່ອມເບີໂທ", "5 English")
    convo.press("x").continues().see("ເລືອກບໍ່ຖືກ")
    convo.press("1").see("ເລກປະກັນສັງຄົມ").not_see("ເລືອກບໍ່ຖືກ")
    dial(STRANGER, "5").press("7").see("Try again", "1 Link my phone", "5 ພາສາລາວ")
    dial(PENSIONER).press("8").see("ເລືອກບໍ່ຖືກ", "1 ເງິນສົມທົບ", "5 English")


def test_zero_back_and_double_zero_home(dial):
    convo = dial(STRANGER).press("2", "1").see("ບໍານານ")
    convo.press("0").see("ສິດປະໂຫຍດ", "1 ບໍານານ")
    convo.press("0").see("1 ເຊື່ອມເບີໂທ")
    convo.press("2", "1", "00").see("1 ເຊື່ອມເບີໂທ")


def test_dial_string_with_inputs_is_followed(dial):
    dial(PENSIONER, "1").see("ລະຫັດ PIN")
    dial(PENSIONER, f"1*{PIN}").see("ຈ່າຍແລ້ວ")
    dial(STRANGER, "5*3").see("Voluntary scheme")


def test_long_results_paginate_with_98_and_0(dial):
    convo = dial(PENSIONER).press("2", PIN)
    first = convo.screen
    assert first.endswith("98 ຕໍ່ໄປ")
    convo.press("98").continues()
    assert convo.screen != first
    convo.press("0").continues()
    assert convo.screen == first
