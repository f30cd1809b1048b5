"""Golden transcripts: the main journeys of the shipped menu, in Lao and in English, screen by
screen through the real webhook, compared with tests/golden/*.txt. The clock is frozen and the
session ids are fixed, so a transcript changes only when what a member sees changes. Keys typed
on PIN screens are written as ••••.

After a deliberate change to the menu, texts or rules, regenerate them and read the diff:

    UPDATE_TRANSCRIPTS=1 .venv/bin/pytest tests/unit/test_transcripts.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.demo_people import ALMOST, BEHIND, PENSIONER, PIN, STRANGER, TO_LINK_EN, TO_LINK_LO
from tests.ussd_dsl import Conversation, ussd

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("UPDATE_TRANSCRIPTS") == "1"

NEW_PHONE = "+8562099912345"  # not in the demo data: joins the voluntary scheme
# Joining: document, its number, birth date, sex, province (Savannakhet), district (Kaysone Phomvihane),
# occupation, income band, no name; the summary takes three pages in Lao and one in English.
_JOIN = ("3", "1", "1", "123456789012", "25031990", "1", "13", "1", "2", "1", "1")

REDIAL = "(dial again)"  # the network dropped the session: the member dials again, a new session

# name -> (phone, keys pressed after the dial, or keys by language); each is run in Lao and in English.
JOURNEYS: dict[str, tuple[str, tuple[str, ...] | dict[str, tuple[str, ...]]]] = {
    "public_menu_and_benefits": (STRANGER, ("2", "1", "0", "3")),
    "voluntary_scheme": (STRANGER, ("3", "2")),
    "join_voluntary_scheme": (NEW_PHONE, {"lo": (*_JOIN, "98", "98", "1"), "en": (*_JOIN, "1")}),
    # Approved by staff (the application was sent in the transcript's language): the first dial.
    "approved_first_dial": (NEW_PHONE, ("4826", "4826", "1", "1", "0", "4", "1", "3", "1")),
    "link_my_phone": (TO_LINK_LO[0], ("1", TO_LINK_LO[1], TO_LINK_LO[2], "4826", "4826")),
    "link_with_wrong_birth_date": (TO_LINK_EN[0], ("1", TO_LINK_EN[1], "01011980")),
    "my_contributions": (PENSIONER, ("1", PIN, "1")),
    "eligibility": (ALMOST, ("3", PIN, "1")),
    "behind_with_payments": (BEHIND, ("1", PIN)),
    "change_pin": (PENSIONER, ("3", PIN, "6048", "6048")),
    "wrong_pin_three_times": (BEHIND, ("1", "1111", "1112", "1113")),
    "data_sharing": (PENSIONER, ("6", PIN, "1", "0", "2", "1", "1")),
    # Dropped while repeating the new PIN: the redial offers to continue; the PIN is chosen again.
    "link_resumed_after_a_drop": (TO_LINK_LO[0], ("1", TO_LINK_LO[1], TO_LINK_LO[2], "4826", REDIAL, "1", "4826",
                                                  "4826")),
    # Dropped on the contributions screen (its SMS goes, see test_dropped_sessions): the PIN again, then the result.
    "contributions_resumed_after_a_drop": (PENSIONER, ("1", PIN, REDIAL, "1", PIN)),
    # Dropped mid-way through joining: everything typed but the last answer is kept.
    "join_resumed_after_a_drop": (NEW_PHONE, ("3", "1", "1", "123456789012", "25031990", "1", REDIAL, "1", "13", "1",
                                              "2")),
}


def _language_key(screen: str, to: str) -> str:
    """The home screen's language option: the line labelled in the other language."""
    label = "English" if to == "en" else "ພາສາລາວ"
    found = [line for line in screen.splitlines() if line.endswith(f" {label}")]
    assert found, f"no language option on:\n{screen}"
    return found[0].split(" ", 1)[0]


def transcript(client, name: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    phone, by_lang = JOURNEYS[name]
    keys = by_lang[lang] if isinstance(by_lang, dict) else by_lang
    convo: Conversation = ussd(client).dial(phone, session_id=f"golden-{name}-{lang}-0")
    home_lang = "en" if any(line.endswith(" ພາສາລາວ") for line in convo.screen.splitlines()) else "lo"
    if name == "approved_first_dial":
        home_lang = lang  # the member's language is the application's; the first screen asks for a PIN
    if home_lang != lang:  # switch first, then start the journey in a new session
        convo.press(_language_key(convo.screen, lang))
        convo = ussd(client).dial(phone, session_id=f"golden-{name}-{lang}-1")
    lines = [f"# {name} ({lang}), dialled from {phone[:7]}…{phone[-2:]}", "", f"> dial {convo.service_code}"]
    lines += _screen(convo)
    redials = 0
    for key in keys:
        if key == REDIAL:
            redials += 1
            convo = ussd(client).dial(phone, session_id=f"golden-{name}-{lang}-r{redials}")
            lines += [f"> {REDIAL}"] + _screen(convo)
            continue
        pin = len(key) == 4 and key.isdigit() and "PIN" in convo.screen
        shown = "••••" if pin else key  # PINs appear nowhere, fixtures included
        convo.press(key)
        lines += [f"> {shown}"] + _screen(convo)
    return "\n".join(lines) + "\n"


def _screen(convo: Conversation) -> list[str]:
    return [f"{'END' if convo.ended else 'CON'} | {row}" for row in convo.screen.splitlines()] + [""]


@pytest.mark.parametrize("lang", ["lo", "en"])
@pytest.mark.parametrize("name", sorted(JOURNEYS))
def test_journey_matches_its_golden_transcript(client, runner, name, lang):
    if name == "data_sharing":
        partner_schemes_looking_at_the_pensioner(client, runner)
    if name == "approved_first_dial":
        approved_application(client.application, lang)
    got = transcript(client, name, lang)
    path = GOLDEN / f"{name}.{lang}.txt"
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with UPDATE_TRANSCRIPTS=1 and read what it wrote"
    assert got == path.read_text(encoding="utf-8"), f"{path.name} changed: if on purpose, regenerate it"


def partner_schemes_looking_at_the_pensioner(client, runner) -> None:  # type: ignore[no-untyped-def]
    """Two partner schemes: the health insurance (by law), which has just looked the pensioner up
    through the partner API, and an NGO that needs the member's yes."""
    from tests.dci_partner import Partner, register
    from tests.demo_people import FROZEN_NOW, PENSIONER_SSN

    health = Partner(client, "nhi.gov.la", *register(
        runner, "nhi.gov.la", "--scope", "registry.search", "--purpose", "verify-enrolment",
        "--label-lo", "ປະກັນສຸຂະພາບ", "--label-en", "Health insurance"), now=FROZEN_NOW)
    health.get_token()
    assert health.search("idtype-value", {"type": "SSN", "value": PENSIONER_SSN}).status_code == 200
    register(runner, "ngo.example.org", "--scope", "registry.search", "--purpose", "verify-enrolment", "--basis",
             "consent", "--label-lo", "ຊ່ວຍຜູ້ສູງອາຍຸ", "--label-en", "Help for the elderly")


def approved_application(app, lang: str) -> None:  # type: ignore[no-untyped-def]
    """An application sent from NEW_PHONE in `lang`, approved by staff."""
    from ussd_app.core.extensions import clients
    from ussd_app.engine.effects import ApplicationSubmitted
    from ussd_app.enrolment import applications
    from ussd_app.enrolment.models import Application
    from ussd_app.ussd.runtime import runtime_of

    rt = runtime_of(app)
    with clients(app).sessions() as session:
        applications.save(session, ApplicationSubmitted(
            "golden", "50000014", NEW_PHONE, lang, "national_id", "123456789012", "1990-03-25", "F", "Savannakhet",
            "Kaysone Phomvihane", "trader", 2_500_000, "Noy Keomany"))
        session.flush()
        application = session.query(Application).one()
        applications.approve(session, application.id, ssn="3009990077", full_name="Noy Keomany", staff="golden",
                             now=rt.clock.now(), today=rt.clock.today(), policy=rt.dues, templates=rt.sms.templates,
                             service_code="*211#")
        session.commit()


def test_every_transcript_on_disk_belongs_to_a_journey():
    expected = {f"{name}.{lang}.txt" for name in JOURNEYS for lang in ("lo", "en")}
    assert {p.name for p in GOLDEN.glob("*.txt")} == expected
