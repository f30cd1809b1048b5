"""What a linked member says and hears on USSD about the partner schemes: their yes or no to a
scheme that needs it, checked on every request that scheme makes, and who looked at their
record in the last 90 days."""

from __future__ import annotations

from datetime import timedelta

from tests.dci_partner import Partner, records_of, register
from tests.demo_people import FROZEN_NOW, PENSIONER, PENSIONER_SSN, PIN
from ussd_app.ussd.runtime import runtime_of

SEARCH = ("--scope", "registry.search", "--purpose", "verify-enrolment")


def partner(client, runner, name: str, *args: str) -> Partner:  # type: ignore[no-untyped-def]
    made = Partner(client, name, *register(runner, name, *SEARCH, *args), now=FROZEN_NOW)
    made.get_token()
    return made


def found(scheme: Partner) -> int:
    body = scheme.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).get_json()
    return len(records_of(body))


def test_a_members_yes_and_no_decide_what_a_consent_scheme_finds(client, runner, dial):
    ngo = partner(client, runner, "ngo.example.org", "--basis", "consent", "--label-lo", "ຊ່ວຍຜູ້ສູງອາຍຸ",
                  "--label-en", "Help for the elderly")
    assert found(ngo) == 0  # never asked: not found
    dial(PENSIONER).press("6", PIN, "2").see("ແບ່ງປັນສະຖານະກັບ ຊ່ວຍຜູ້ສູງອາຍຸ?", "ຍັງບໍ່ຕອບ") \
        .press("1").see("ເບິ່ງສະຖານະທ່ານໄດ້")
    assert found(ngo) == 1
    dial(PENSIONER).press("6", PIN, "2").see("ຕອນນີ້: ຕົກລົງ").press("2").see("ເບິ່ງສະຖານະທ່ານບໍ່ໄດ້")
    assert found(ngo) == 0  # a yes taken back counts at once


def test_schemes_by_law_are_not_asked_and_several_are_asked_in_turn(client, runner, dial):
    partner(client, runner, "nhi.gov.la")  # by law: no question
    partner(client, runner, "ngo-a.example.org", "--basis", "consent", "--label-en", "Scheme A")
    partner(client, runner, "ngo-b.example.org", "--basis", "consent", "--label-en", "Scheme B")
    convo = dial(PENSIONER).press("5").press("6", PIN, "2").see("Share my status with Scheme A?")
    convo.press("3").see("Share my status with Scheme B?").press("3").see("That was the last one")


def test_without_consent_schemes_the_member_is_told_so(dial):
    dial(PENSIONER).press("6", PIN, "2").see("ບໍ່ມີອົງກອນໃດຂໍເບິ່ງສະຖານະຂອງທ່ານ")


def test_a_member_hears_who_looked_at_their_record_in_the_last_90_days(app, client, runner, dial):
    dial(PENSIONER).press("5")  # in English
    dial(PENSIONER).press("6", PIN, "1").see("No one has looked at your record")
    health = partner(client, runner, "nhi.gov.la", "--label-en", "Health insurance")
    assert found(health) == 1
    welfare = partner(client, runner, "welfare.gov.la")  # no label: its name
    clock = runtime_of(app).clock
    clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    welfare.now = clock.now()
    assert found(welfare) == 1
    dial(PENSIONER).press("6", PIN, "1").see("welfare.gov.la 23/11\nHealth insurance 20/11")
    clock.advance(timedelta(days=88))  # type: ignore[attr-defined]
    dial(PENSIONER).press("6", PIN, "1").see("welfare.gov.la 23/11").not_see("Health insurance")
