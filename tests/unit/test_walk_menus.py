"""Walk every node of the shipped menus, in both languages, with the demo data: every screen a
member can reach fits its budget, and no node is out of reach."""

from __future__ import annotations

import json
from collections import deque

from tests.demo_people import FROZEN_NOW
from ussd_app.core.extensions import clients
from ussd_app.engine.render import BUDGET
from ussd_app.enrolment.demo import seed_enrolment_demo
from ussd_app.enrolment.references import payment_reference
from ussd_app.text.encoding import measure
from ussd_app.ussd.runtime import runtime_of

# (phone, answers typed at input screens). Every path replays from the dial, so a phone that
# types a wrong birth date gets blocked quickly: the wrong date is walked on a phone of its own.
# Failed tries count against the SSN too, so the member links before a stranger types their SSN.
WALKS = [
    ("+8562055534567", {"ssn": ["1003456789"], "dob": ["03111992"]}),  # not linked yet: links
    ("+8562099990000", {"ssn": ["1003456789"], "dob": ["03111992"]}),  # not a member, types someone's details
    ("+8562055545678", {"ssn": ["2004567890"], "dob": ["01011990"]}),  # not linked: wrong birth date, blocked
    ("+8562055512345", {}),  # linked, pensioner
    ("+8562055523456", {}),  # linked, voluntary, behind
    ("+8562055556789", {}),  # linked, no contributions
    ("+8562055567890", {}),  # linked, 179 months (voluntary; November paid in the walk's setup: paid up)
    ("+8562099992222", {}),  # approved by staff, no PIN yet (ussd_app/enrolment/demo.py)
    # Joining: an ID that is a member, an ID with an application open, a child's birth date, a fresh ID.
    ("+8562099993333", {"id_number": ["101001234567", "119950412001", "55501234"], "dob": ["01012020", "25031990"]}),
]
# Walks that start deep in a journey (the keys before the walk begins), to reach its last screens
# within MAX_DEPTH: joining from the sex question to the application sent.
DEEP_WALKS = [
    ("+8562099994444", {"full_name": ["1"]}, ["3", "1", "1", "123456789012", "25031990"]),
]
PIN_FOR = {"verify": "2580", "choose": "4826", "confirm": "4826"}
MAX_DEPTH = 9


def replies(node, page_count: int, page: int, answers: dict[str, list[str]]) -> list[str]:
    kind = node.TYPE
    keys: list[str] = []
    if kind in ("menu", "action"):
        keys += [str(i) for i in range(1, len(getattr(node, "options", ())) + 1)]
    if kind == "pick":
        keys.append("1")  # every list works alike: the first choice of each is enough
    if kind == "input":
        keys += answers.get(node.save_as, [])
    if kind == "pin":
        keys.append(PIN_FOR[node.mode])
    if page < page_count - 1:
        keys.append("98")
    if kind != "end":
        keys += ["0", "00", "77"]  # back, home, and a key no screen accepts
    return [k for k in keys if k]


def walk(app, phone: str, answers: dict[str, list[str]], language_prefix: list[str]) -> tuple[set[str], int]:
    client, redis = app.test_client(), clients(app).redis
    definition = runtime_of(app).menus.current()
    seen_states: set[tuple] = set()
    reached: set[str] = set()
    queue: deque[list[str]] = deque([[]])
    screens = 0
    n = 0
    while queue:
        path = queue.popleft()
        n += 1
        session_id = f"walk-{phone}-{len(language_prefix)}-{n}"
        text = "*".join(language_prefix + path)
        response = client.post("/ussd/africastalking", data={
            "sessionId": session_id, "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801",
            "text": text})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and body[:4] in ("CON ", "END "), body
        screen = body[4:]
        encoding, length = measure(screen)
        assert length <= BUDGET[encoding], f"{phone} {text!r}: {length} > {BUDGET[encoding]}\n{screen}"
        screens += 1
        state = json.loads(redis.hget(f"ussd:session:{session_id}", "body"))["state"]
        reached.update(state["visited"])
        key = (state["node"], state["page"], state["lang"], state["authenticated"], body)
        if key in seen_states or body.startswith("END ") or len(path) >= MAX_DEPTH:
            continue
        seen_states.add(key)
        node = definition.nodes[state["node"]]
        # Pages of the screen the member sees: count the "98" steps the footer offers.
        page_count = state["page"] + (2 if screen.split("\n")[-1].startswith("98") or "\n98 " in screen else 1)
        for key_pressed in replies(node, page_count, state["page"], answers):
            queue.append(path + [key_pressed])
    return reached, screens


def member_id(app, ssn: str) -> int:
    from sqlalchemy import select

    from ussd_app.members.models import Member

    with clients(app).sessions() as session:
        return int(session.execute(select(Member.id).where(Member.ssn == ssn)).scalar_one())


def test_every_node_is_reachable_and_every_screen_fits_in_both_languages(app_on_demo_data, tmp_path):
    # The walk types wrong PINs on every PIN screen it passes: with the real limits the PIN locks
    # before the deeper screens behind it are walked (the lock has tests of its own).
    app = app_on_demo_data(PIN_MAX_TRIES=10_000, PIN_DAILY_MAX_TRIES=10_000)
    # A partner scheme that may see a member's status only with their yes: the consent screens.
    added = app.test_cli_runner().invoke(args=[
        "partners", "add", "ngo.example.org", "--scope", "registry.search", "--purpose", "verify-enrolment",
        "--basis", "consent", "--label-lo", "ປະກັນສຸຂະພາບແຫ່ງຊາດ", "--label-en", "Natl Health Insurance"])
    assert added.exit_code == 0, added.output
    definition = runtime_of(app).menus.current()
    reached: set[str] = set()
    total = 0
    with clients(app).sessions() as session:
        seed_enrolment_demo(session, FROZEN_NOW, FROZEN_NOW.date())
        session.commit()
    almost = payment_reference(member_id(app, "3006789012"))
    statement = tmp_path / "statement.csv"
    statement.write_text(f"reference,amount_lak,paid_at,transaction_id\n{almost},225000,2026-11-19,W1\n")
    paid = app.test_cli_runner().invoke(args=["payments", "import", str(statement)])
    assert paid.exit_code == 0, paid.output
    for phone, answers, start in [(phone, answers, []) for phone, answers in WALKS] + DEEP_WALKS:
        for prefix in ([], ["5"]):  # as dialled (Lao for most), then after switching language
            got, screens = walk(app, phone, answers, prefix + start)
            reached |= got
            total += screens
    # link_elsewhere guards a race (another member linked this phone while this one was typing):
    # the menu routes linked phones away before linking, so no walk reaches it; test_identity covers it.
    # consent_none is what a member sees when no scheme asks for consent: not so here (see
    # test_dci_members_say).
    assert set(definition.nodes) - reached == {"link_elsewhere", "consent_none"}, "nodes never reached"
    assert total > 300  # the walk really explored
