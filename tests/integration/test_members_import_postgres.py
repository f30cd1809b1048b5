"""The member/contribution import and the demo seed against a real PostgreSQL (TEST_DATABASE_URL).

Each test works in a private schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ussd_app.core.database import create_schema
from ussd_app.core.db_limits import DbLimits
from ussd_app.core.extensions import build_engine
from ussd_app.members.demo import seed as demo
from ussd_app.members.importer import CONTRIBUTION_COLUMNS, MEMBER_COLUMNS, import_contributions, import_members
from ussd_app.members.models import Contribution, Member
from ussd_app.members.pins import PinHasher

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TODAY = date(2026, 11, 26)
SOMCHAI = "1001234567,ສົມໃຈ ພົມມະວົງ,020 5551 2345,1964-02-10,M,enterprise,2010-10-18,active,lo"
MANIVONE = "3002345678,ມະນີວອນ ສີສຸວັນ,2055523456,1988-07-21,F,voluntary,2023-12-18,active,"

pytestmark = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")


def members_csv(*rows: str) -> bytes:
    return ("\n".join([",".join(MEMBER_COLUMNS), *rows]) + "\n").encode()


def contributions_csv(*rows: str) -> bytes:
    return ("\n".join([",".join(CONTRIBUTION_COLUMNS), *rows]) + "\n").encode()


@pytest.fixture
def engine(empty_pg_url: str) -> Iterator[Engine]:
    # Imports and seeding are batch work: they run with the job bounds (see extensions.job_command).
    engine = build_engine(empty_pg_url, DbLimits(statement_ms=60000))
    try:
        create_schema(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_members_upsert_reimport_and_unlink_on_phone_change(session: Session) -> None:
    first = import_members(session, members_csv(SOMCHAI, MANIVONE, SOMCHAI), today=TODAY)
    assert (first.inserted, [(r.line, r.reason) for r in first.rejected]) == (
        2, [(4, "ssn 1001234567 is already on line 2 of this file")])
    assert session.scalar(select(Member.phone).where(Member.ssn == "3002345678")) == "+8562055523456"

    again = import_members(session, members_csv(SOMCHAI, MANIVONE), today=TODAY)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    somchai = session.scalar(select(Member).where(Member.ssn == "1001234567"))
    assert somchai is not None
    somchai.linked_at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    somchai.pin_hash = PinHasher("test-pepper").hash("2580")
    session.commit()

    moved = import_members(session, members_csv(SOMCHAI.replace("5551 2345", "7777 8899"), MANIVONE), today=TODAY)
    assert (moved.updated, moved.unchanged, len(moved.notes)) == (1, 1, 1)
    assert "77778899" not in moved.notes[0]
    session.expire_all()
    somchai = session.scalar(select(Member).where(Member.ssn == "1001234567"))
    assert somchai is not None
    assert (somchai.phone, somchai.linked_at, somchai.pin_hash) == ("+8562077778899", None, None)


def test_a_nul_byte_rejects_its_line_and_the_other_lines_are_imported(session: Session) -> None:
    """PostgreSQL cannot store a NUL: the line is refused with its reason, not the whole file."""
    report = import_members(session, members_csv(SOMCHAI.replace("ສົມໃຈ", "ສົມ\x00ໃຈ"), MANIVONE), today=TODAY)
    assert (report.inserted, [(r.line, r.reason) for r in report.rejected]) == (
        1, [(2, "full_name holds a control character (such as NUL): retype it")])
    assert count(session, Member) == 1


@pytest.mark.parametrize("shuffled", [False, True])
def test_contributions_upsert_rejects_unknown_ssn_and_reimports_to_nothing(session: Session, shuffled: bool) -> None:
    ssns = [str(8_000_001 + i) for i in range(12)]
    assert import_members(session, members_csv(*(f"{ssn},Member {ssn},,1990-01-01,F,enterprise,,active,lo"
                                                 for ssn in ssns)), today=TODAY).ok
    rows = [f"{ssn},2025-{m:02d},2000000,110000,120000,2025-{m:02d}-28" for ssn in ssns for m in range(1, 13)]
    if shuffled:
        random.Random(7).shuffle(rows)
    rows.insert(5, "9999999,2025-01,2000000,110000,120000,")

    first = import_contributions(session, contributions_csv(*rows), today=TODAY, batch_size=10)
    assert (first.inserted, [(r.line, r.reason[:27]) for r in first.rejected]) == (
        144, [(7, "no member with ssn 9999999 ")])

    corrected = [r.replace(",110000,", ",111000,") if i % 4 == 0 else r for i, r in enumerate(rows)]
    again = import_contributions(session, contributions_csv(*corrected), today=TODAY, batch_size=7)
    changed = sum(1 for i, r in enumerate(rows) if i % 4 == 0 and not r.startswith("9999999"))
    assert (again.inserted, again.updated, again.unchanged) == (0, changed, 144 - changed)
    assert count(session, Contribution) == 144
    assert session.scalar(select(func.sum(Contribution.employee_lak))) == 144 * 110_000 + changed * 1_000


def test_seed_demo_on_postgres_links_showcase_members(session: Session) -> None:
    hasher = PinHasher("test-pepper")
    assert demo.seed_demo(session, hasher, today=TODAY) is True
    assert demo.seed_demo(session, hasher, today=TODAY) is False

    linked = session.scalars(select(Member).where(Member.linked_at.is_not(None))).all()
    assert {m.phone for m in linked} == {s.phone for s in demo.SHOWCASE if s.linked}
    assert all(hasher.verify(m.pin_hash, demo.DEMO_PIN) for m in linked)
    reimport = import_contributions(session, (demo.DATA_DIR / "contributions.csv").read_bytes(), today=TODAY)
    assert (reimport.inserted, reimport.updated, reimport.rejected) == (0, 0, [])


def test_two_processes_seeding_at_once_seed_exactly_once(engine: Engine) -> None:
    results: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def seed() -> None:
        try:
            with Session(engine) as s:
                start.wait()
                results.append(demo.seed_demo(s, PinHasher("test-pepper"), today=TODAY))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=seed) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert sorted(results) == [False, True]
    with Session(engine) as s:
        assert count(s, Member) == len(demo.generate()[0])
