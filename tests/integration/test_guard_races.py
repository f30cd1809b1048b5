"""Guards raced the way an attacker races them: many tries at once, in parallel sessions, against
production's server (serve.py, PostgreSQL, the real Redis). No more verdicts are told
than the limit, one lockout sends one SMS, and a member's right PIN never counts against them."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import redis
from sqlalchemy import create_engine, text

from tests.admin_helpers import Staff, create_user
from tests.conftest import make_app
from tests.demo_people import BEHIND, BEHIND_SSN, PIN
from tests.integration.conftest import TOKEN
from tests.servers import WebServer, at_once, post
from ussd_app.core.extensions import clients
from ussd_app.ussd.guards import Policy, RedisGuard, Window

TO_LINK_SSN, TO_LINK_PHONE, TO_LINK_DOB = "1003456789", "+8562055534567", "03111992"


def test_forty_tries_at_once_on_the_real_redis_check_exactly_three(redis_url):
    policy = Policy("race", (Window(3, 1800, 1800), Window(10, 86400, 86400)))
    guard = RedisGuard(redis.Redis.from_url(redis_url), policy)
    tries = at_once([lambda: guard.attempt("member:x") for _ in range(40)])
    assert sum(t.allowed for t in tries) == 3
    assert sorted(t.tries_left for t in tries if t.allowed) == [0, 1, 2]  # exactly one starts the lock


def test_forty_judged_wrong_tries_at_once_tell_exactly_three(redis_url):
    policy = Policy("race-judged", (Window(3, 1800, 1800), Window(10, 86400, 86400)))
    guard = RedisGuard(redis.Redis.from_url(redis_url), policy)
    verdicts = at_once([lambda: guard.judge("member:y", right=False) for _ in range(40)])
    assert sum(v.allowed for v in verdicts) == 3
    assert sorted(v.tries_left for v in verdicts if v.allowed) == [0, 1, 2]


def test_a_members_own_parallel_sessions_with_the_right_pin_never_lock_them_out(pg_url, production_env):
    """Right PINs are never counted: forty at once all open (they used to be refused as locked,
    and tries left behind by failed hops could lock a member who never typed a wrong PIN)."""
    with WebServer(production_env) as server:
        tag = uuid.uuid4().hex[:6]
        bodies = at_once([lambda i=i: _ussd(server, f"{tag}-{i}", BEHIND, f"2*{PIN}") for i in range(40)])
        assert all(b.startswith("CON ຈ່າຍແລ້ວ") for b in bodies), bodies
        assert _ussd(server, f"{tag}-after", BEHIND, "2*1111").count("ເຫຼືອ 2 ເທື່ອ") == 1  # none used up
    assert _rows(pg_url, "SELECT recipient FROM sms_outbox WHERE kind = 'pin_locked'") == []


def _ussd(server: WebServer, session_id: str, phone: str, text_: str) -> str:
    reply = post(f"{server.url}/ussd/africastalking?token={TOKEN}",
                 {"sessionId": session_id, "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801",
                  "text": text_})
    assert reply.status == 200, reply.body
    return reply.body


def _rows(pg_url: str, sql: str) -> list:  # type: ignore[type-arg]
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    engine.dispose()
    return rows


def test_forty_wrong_pins_in_parallel_sessions(pg_url, production_env):
    with WebServer(production_env) as server:
        tag = uuid.uuid4().hex[:6]
        bodies = at_once([lambda i=i: _ussd(server, f"{tag}-{i}", BEHIND, f"2*{1000 + i}") for i in range(40)])
        assert sum("ເຫຼືອ 2 ເທື່ອ" in b for b in bodies) == 1, bodies
        assert sum("ເຫຼືອ 1 ເທື່ອ" in b for b in bodies) == 1, bodies
        assert sum(b.startswith("END ໃສ່ລະຫັດຜິດຫຼາຍເທື່ອ") for b in bodies) == 38, bodies
        # The right PIN, now, is not even checked.
        assert _ussd(server, f"{tag}-right", BEHIND, f"2*{PIN}").startswith("END ໃສ່ລະຫັດຜິດຫຼາຍເທື່ອ")
    sms = _rows(pg_url, "SELECT recipient FROM sms_outbox WHERE kind = 'pin_locked'")
    assert [r.recipient for r in sms] == [BEHIND]  # one lockout, one SMS
    locked = _rows(pg_url, f"SELECT pin_locked_until FROM members WHERE ssn = '{BEHIND_SSN}'")
    assert locked[0].pin_locked_until is not None


def test_identity_checks_in_parallel_from_many_phones(production_env):
    """Thirty callers (or one caller changing phoneNumber) at one SSN: three checks, no more."""
    with WebServer(production_env) as server:
        tag = uuid.uuid4().hex[:6]
        bodies = at_once([lambda i=i: _ussd(server, f"{tag}-{i}", f"+85620999{i:05d}",
                                            f"1*{TO_LINK_SSN}*0101{1970 + i}") for i in range(30)])
        assert sum("ຂໍ້ມູນບໍ່ກົງ" in b for b in bodies) == 2, bodies  # two mismatches told, with tries left
        assert sum("ລອງຫຼາຍເທື່ອເກີນໄປ" in b for b in bodies) == 28, bodies
        # The member, from the right phone with the right date, must now go to an office.
        body = _ussd(server, f"{tag}-owner", TO_LINK_PHONE, f"1*{TO_LINK_SSN}*{TO_LINK_DOB}")
        assert "ລອງຫຼາຍເທື່ອເກີນໄປ" in body


def test_thirty_parallel_sign_ins_check_five_passwords(database_url, redis_url):
    app = make_app(database_url, REDIS_URL=redis_url)
    create_user(app, "staff@lsso.example", "viewer")
    staff = [Staff(app, "staff@lsso.example") for _ in range(30)]
    for s in staff:
        s.get("/admin/login")
    barrier = Barrier(len(staff))

    def sign_in(s: Staff) -> str:
        barrier.wait()
        return s.post("/admin/login", {"email": "staff@lsso.example", "password": f"wrong {id(s)}"}).get_data(
            as_text=True)

    with ThreadPoolExecutor(len(staff)) as pool:
        pages = list(pool.map(sign_in, staff))
    # The sign-in page speaks Lao: "wrong email or password", "too many failed sign-ins".
    assert sum("ອີເມວ ຫຼື ລະຫັດຜ່ານບໍ່ຖືກ" in p for p in pages) == 5
    assert sum("ເຂົ້າລະບົບຜິດຫຼາຍເທື່ອ" in p for p in pages) == 25
    # And the right password is refused too until the 15 minutes are over.
    assert "ເຂົ້າລະບົບຜິດຫຼາຍເທື່ອ" in Staff(app, "staff@lsso.example").sign_in().get_data(as_text=True)
    clients(app).dispose()
