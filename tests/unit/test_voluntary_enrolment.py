"""Joining the voluntary scheme by phone, end to end through the webhook: the application, staff's
approval, the first PIN, the amount due and its payment reference, a new declared income, and a
bank statement paying the months. Expectations are computed from the rules and the places data.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sms.models import SmsMessage
from tests.demo_people import BEHIND, PENSIONER, STRANGER, later
from ussd_app.core.extensions import clients
from ussd_app.enrolment import applications
from ussd_app.enrolment.models import Application, ApplicationNumber, DeclaredIncome, Payment
from ussd_app.enrolment.places import default_places
from ussd_app.enrolment.references import member_of_payment_reference, payment_reference
from ussd_app.members.models import Contribution, Member
from ussd_app.ussd.runtime import runtime_of

pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 20)  # FROZEN_NOW, in Vientiane
NEW_PHONE = "+8562099912345"


def voluntary(app):
    return runtime_of(app).rules.schemes["voluntary"]


def number_of(items: list[str], wanted: str) -> str:
    return str(items.index(wanted) + 1)


def province_key(name: str) -> str:
    return number_of([p.en for p in default_places().provinces], name)


def district_key(province: str, district: str) -> str:
    found = default_places().province(province)
    assert found is not None
    return number_of([d.en for d in found.districts], district)


def born_aged(years: int, days_after_birthday: int = 0) -> str:
    """A date of birth as typed (DDMMYYYY) for someone `years` old on TODAY."""
    birthday = TODAY.replace(year=TODAY.year - years) - timedelta(days=days_after_birthday)
    return birthday.strftime("%d%m%Y")


def join(dial, phone: str, *, lang_prefix: str = "", id_kind: str = "1", id_number: str = "123456789012",
         dob: str = "25031990", sex: str = "1", province: str = "Savannakhet", district: str = "Kaysone Phomvihane",
         occupation: str = "2", band: str = "1", name: str = "1"):
    convo = dial(phone, lang_prefix).press("3", "1", id_kind, id_number, dob, sex, province_key(province),
                                           district_key(province, district), occupation, band, name)
    return convo


def rows(app, model, *where):
    with clients(app).sessions() as session:
        return list(session.execute(select(model).where(*where)).scalars())


def sms(app, kind: str) -> list[SmsMessage]:
    return rows(app, SmsMessage, SmsMessage.kind == kind)


def application_of(app, phone: str) -> Application:
    found = rows(app, Application, Application.phone == phone)
    assert len(found) == 1
    return found[0]


# ---- the application --------------------------------------------------------

def test_a_worker_applies_in_lao_and_gets_a_reference_on_screen_and_by_sms(app, dial):
    rates = voluntary(app)
    lowest = rates.income_bands()[0]
    convo = join(dial, NEW_PHONE).see("ກວດຂໍ້ມູນ", "ບັດ 123456789012", "25/03/1990 ຍິງ")
    place = default_places().district("Savannakhet", "Kaysone Phomvihane")
    assert place is not None
    convo.press("98").see(f"{place.lo}, ສະຫວັນນະເຂດ", "ຄ້າຂາຍ", f"ຈ່າຍ {rates.contribution_for(lowest):,} ກີບ/ເດືອນ")
    convo.press("98").see("1 ສົ່ງໃບສະໝັກ").press("1").ends()
    saved = application_of(app, NEW_PHONE)
    assert saved.reference in convo.screen and "ສະຫວັນນະເຂດ" in convo.screen
    assert (saved.id_kind, saved.id_number, saved.date_of_birth, saved.sex) == \
        ("national_id", "123456789012", date(1990, 3, 25), "F")
    assert (saved.province, saved.district, saved.occupation) == ("Savannakhet", "Kaysone Phomvihane", "trader")
    assert (saved.declared_income_lak, saved.full_name, saved.status) == (lowest, None, "open")
    [message] = sms(app, "application_received")
    assert message.recipient == NEW_PHONE and saved.reference in message.body
    assert "ບັດປະຈຳຕົວ ຫຼື ປຶ້ມສຳມະໂນຄົວ" in message.body and "ຮູບ" in message.body and "ສະຫວັນນະເຂດ" in message.body


def test_a_worker_applies_in_english_with_a_name_and_the_family_book(app, dial):
    rates = voluntary(app)
    top = rates.income_bands()[-1]
    convo = join(dial, NEW_PHONE, lang_prefix="5", id_kind="2", id_number="55501234", sex="2",
                 province="Vientiane Capital", district="Sisattanak", occupation="1",
                 band=str(len(rates.income_bands())), name="somphone  KEO")
    convo.see("Please check", "Somphone Keo", "Family book 55501234", "Born 25/03/1990, male")
    whole = "\n".join([convo.screen, convo.press("98").screen])
    assert "Sisattanak, Vientiane Capital" in whole and "Farmer" in whole
    assert f"You pay {rates.contribution_for(top):,} LAK a month" in whole
    convo.press("1").ends().see("Sent! Your reference is")
    saved = application_of(app, NEW_PHONE)
    assert (saved.full_name, saved.id_kind, saved.language, saved.declared_income_lak) == \
        ("Somphone Keo", "family_book", "en", top)
    assert "Bring your ID card or family book and one photo" in sms(app, "application_received")[0].body


def test_the_income_bands_show_what_each_costs(app, dial):
    rates = voluntary(app)
    screen = dial(NEW_PHONE, "5").press("3", "1", "1", "123456789012", "25031990", "1", province_key("Bokeo"),
                                          "1", "1").screen
    assert "Income a month, you pay 9%" in screen
    for income in rates.income_bands():
        assert f"{income:,}: pay {rates.contribution_for(income):,}" in screen


def test_a_typo_is_asked_again_and_the_age_limits_hold(app, dial):
    dial(STRANGER).press("3", "1", "1", "12ab").see("ໃສ່ແຕ່ຕົວເລກ", "ໃສ່ເລກເອກະສານ")
    later(app)
    dial(STRANGER).press("3", "1", "1", "1234567890", "25031990", "99").see("ເລືອກບໍ່ຖືກ", "ເພດ")  # no such choice
    for dob, allowed in ((born_aged(15), True), (born_aged(15, days_after_birthday=-1), False),
                         (born_aged(60), True), (born_aged(61), False)):
        later(app)
        convo = dial(STRANGER).press("3", "1", "1", "1234567890", dob)
        if allowed:
            convo.see("ເພດ")
        else:
            convo.ends().see("ສະໝັກໄດ້ອາຍຸ 15-60 ປີ")


def test_a_phone_with_an_open_application_is_told_so_and_can_see_its_status(app, dial):
    join(dial, NEW_PHONE).press("98", "98", "1").ends()
    reference = application_of(app, NEW_PHONE).reference
    dial(NEW_PHONE).press("3", "1").see(f"ໃບສະໝັກ {reference}", "ລໍຖ້າກວດເອກະສານ")
    dial(NEW_PHONE, "5").press("3", "3").see(f"Application {reference}", "waiting for your documents")
    # The same ID from another phone is told it is being dealt with (not its reference).
    dial(STRANGER).press("3", "1", "1", "123456789012").ends().see("ມີໃບສະໝັກຂອງເລກນີ້ແລ້ວ").not_see(reference)
    assert len(rows(app, Application)) == 1


def test_an_id_that_is_a_member_already_is_sent_to_link_the_phone(app, dial):
    pensioner = rows(app, Member, Member.phone == PENSIONER)[0]
    convo = dial(STRANGER, "5").press("3", "1", "1", pensioner.national_id).see("Link your phone instead")
    convo.press("1").see("social security number")


def test_a_replayed_submit_saves_one_application(app, client):
    keys = ["3", "1", "1", "123456789012", "25031990", "1", province_key("Bokeo"), "1", "1", "1", "1", "98", "98",
            "1"]
    form = {"sessionId": "replayed", "serviceCode": "*211#", "phoneNumber": NEW_PHONE, "networkCode": "41801"}
    first = client.post("/ussd/africastalking", data={**form, "text": "*".join(keys)})
    again = client.post("/ussd/africastalking", data={**form, "text": "*".join(keys)})
    assert first.get_data() == again.get_data() and first.get_data().startswith(b"END ")
    assert len(rows(app, Application)) == 1 and len(rows(app, ApplicationNumber)) == 1


# ---- approved: the first PIN, the amount due, a new income ----------------

def approve(app, phone: str, ssn: str = "3009990077", name: str = "Noy Keomany") -> Member:
    rt = runtime_of(app)
    with clients(app).sessions() as session:
        application = session.execute(select(Application).where(Application.phone == phone)).scalar_one()
        decided = applications.approve(session, application.id, ssn=ssn, full_name=name, staff="test@lsso",
                                       now=rt.clock.now(), today=rt.clock.today(), policy=rt.dues,
                                       templates=rt.sms.templates, service_code="*211#")
        session.commit()
        assert decided.message_ids
    return rows(app, Member, Member.ssn == ssn)[0]


def test_after_approval_the_member_chooses_a_pin_and_sees_the_amount_due(app, dial):
    rates = voluntary(app)
    income = rates.income_bands()[1]
    join(dial, NEW_PHONE, band="2").press("98", "98", "1").ends()
    member = approve(app, NEW_PHONE)
    assert (member.scheme, member.phone, member.pin_hash, member.registered_on) == \
        ("voluntary", NEW_PHONE, None, TODAY)
    assert member.linked_at is not None
    reference = payment_reference(member.id)
    due = rates.contribution_for(income)  # November's month, due 15 December
    [welcome] = sms(app, "application_approved")
    assert "3009990077" in welcome.body and reference in welcome.body and f"{due:,} ກີບ" in welcome.body
    assert "15/12/2026" in welcome.body
    convo = dial(NEW_PHONE).see("ຕັ້ງລະຫັດ PIN").press("4826", "4826").see("ຕັ້ງ PIN ແລ້ວ")
    assert rows(app, Member, Member.id == member.id)[0].pin_hash is not None
    convo.press("1").see("1 ຍອດຕ້ອງຈ່າຍ").press("1").see(f"ຈ່າຍ {due:,} ກີບ ກ່ອນ 15/12/2026", reference)
    convo.press("1").ends()
    [dues] = sms(app, "dues")
    assert reference in dues.body and f"{due:,} ກີບ" in dues.body
    assert len(sms(app, "pin_set")) == 1
    # Next time the PIN is asked, as for any member.
    dial(NEW_PHONE).press("1").see("ໃສ່ລະຫັດ PIN")


def test_the_first_pin_and_the_amount_due_in_one_hop(app, dial):
    """AT may bring several keys in one request: the PIN just chosen counts before it is saved."""
    join(dial, NEW_PHONE).press("98", "98", "1").ends()
    approve(app, NEW_PHONE)
    dial(NEW_PHONE, "4826*4826*1*1").see("ຈ່າຍ 225,000 ກີບ ກ່ອນ 15/12/2026")


def test_a_new_declared_income_applies_from_next_month(app, dial):
    rates = voluntary(app)
    first, third = rates.income_bands()[0], rates.income_bands()[2]
    join(dial, NEW_PHONE).press("98", "98", "1").ends()
    member = approve(app, NEW_PHONE)
    convo = dial(NEW_PHONE).press("4826", "4826", "1", "5").see("1 Amount due")  # then in English
    convo.press("4").see(f"Declared income {first:,} LAK")
    convo.press("1").see("New income").press("3").see(f"New income {third:,} LAK", "from 12/2026")
    convo.press("1").ends().see(f"you pay {rates.contribution_for(third):,} LAK a month")
    incomes = {(d.from_period, d.income_lak) for d in rows(app, DeclaredIncome, DeclaredIncome.member_id == member.id)}
    assert incomes == {("2026-11", first), ("2026-12", third)}
    assert f"{third:,} LAK" in sms(app, "income_changed")[0].body
    # November is still due at the old income; the screen shows the change waiting.
    dial(NEW_PHONE).press("1", "4826").see(f"To pay: {rates.contribution_for(first):,} LAK")
    later(app)
    dial(NEW_PHONE).press("4", "4826").see(f"From 12/2026: {third:,} LAK")


# ---- payments -------------------------------------------------------------------

def statement(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "statement.csv"
    path.write_text("reference,amount_lak,paid_at,transaction_id\n" + "".join(f"{line}\n" for line in lines),
                    encoding="utf-8")
    return str(path)


def test_a_statement_pays_the_months_owed_sends_receipts_and_is_imported_once(app, runner, tmp_path):
    rates = voluntary(app)
    behind = rows(app, Member, Member.phone == BEHIND)[0]
    reference = payment_reference(behind.id)
    owed = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]  # last paid 06/2026; 11/2026 is due next
    amount = len(owed) * rates.contribution_for(rates.minimum_income_lak)
    wrong = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    path = statement(tmp_path, f"{reference},\"{amount:,}\",2026-11-19 16:05,BCEL-1",
                     f"{wrong},225000,2026-11-19,BCEL-2", f"{reference},50000,2026-11-19,BCEL-1",
                     "800000000,abc,2026-11-19,BCEL-3")
    result = runner.invoke(args=["payments", "import", path])
    assert result.exit_code == 1, result.output  # rejects: a wrong check digit and a bad amount
    assert "1 applied, 0 short (kept as credit), 1 already imported, 2 rejected" in result.output
    assert "line 3: rejected" in result.output and "check digit" in result.output
    assert "line 5: rejected" in result.output
    paid = {c.period for c in rows(app, Contribution, Contribution.member_id == behind.id, Contribution.paid_on ==
                                   date(2026, 11, 19))}
    assert paid == set(owed)
    [receipt] = sms(app, "payment_receipt")
    assert f"{amount:,} ກີບ" in receipt.body and "07/2026-11/2026" in receipt.body and "BCEL-1" in receipt.body
    again = runner.invoke(args=["payments", "import", path])
    assert "0 applied" in again.output and "2 already imported" in again.output
    assert len(sms(app, "payment_receipt")) == 1 and len(rows(app, Payment)) == 1
    # November is paid: no reminder for it.
    reminders = runner.invoke(args=["sms", "send-reminders", "--date", "2026-12-13"])
    assert reminders.exit_code == 0, reminders.output
    assert not [m for m in sms(app, "reminder_due") if m.recipient == BEHIND]


def test_money_short_of_a_month_is_kept_as_credit_and_completes_the_next(app, runner, tmp_path):
    rates = voluntary(app)
    behind = rows(app, Member, Member.phone == BEHIND)[0]
    reference, month = payment_reference(behind.id), rates.contribution_for(rates.minimum_income_lak)
    part = month // 3
    result = runner.invoke(args=["payments", "import", statement(tmp_path, f"{reference},{part},2026-11-19,MM-1")])
    assert result.exit_code == 0 and "0 applied, 1 short" in result.output
    assert f"{part:,} ກີບ" in sms(app, "payment_held")[0].body
    rest = runner.invoke(args=["payments", "import",
                               statement(tmp_path, f"{reference},{month - part},2026-11-20,MM-2")])
    assert "1 applied" in rest.output
    assert {c.period for c in rows(app, Contribution, Contribution.member_id == behind.id,
                                   Contribution.paid_on.is_not(None), Contribution.period >= "2026-07")} == {"2026-07"}
    assert "07/2026" in sms(app, "payment_receipt")[0].body


def test_a_statement_without_the_columns_imports_nothing(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ref,amount\n800000024,225000\n", encoding="utf-8")
    result = runner.invoke(args=["payments", "import", str(path)])
    assert result.exit_code == 2 and "missing: reference, amount_lak, paid_at, transaction_id" in result.output
    with clients(app).sessions() as session:
        assert session.scalar(select(func.count(Payment.id))) == 0


def test_payment_references_catch_a_mistyped_digit_and_swapped_neighbours():
    for member_id in (1, 24, 715, 99_999, 1_234_567):
        reference = payment_reference(member_id)
        assert member_of_payment_reference(reference) == member_id
        assert member_of_payment_reference(f"{reference[:3]} {reference[3:6]}-{reference[6:]}") == member_id
        for i, digit in enumerate(reference):
            for other in "0123456789":
                if other != digit:
                    typo = reference[:i] + other + reference[i + 1:]
                    assert member_of_payment_reference(typo) in (None,), typo
        for i in range(len(reference) - 1):
            swapped = reference[:i] + reference[i + 1] + reference[i] + reference[i + 2:]
            if swapped != reference:
                assert member_of_payment_reference(swapped) is None, swapped

