"""CSV import of members and contributions, the `flask members …` commands, and the demo data set."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import phonenumbers
import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ussd_app import create_app
from ussd_app.core import extensions
from ussd_app.core.database import create_schema
from ussd_app.core.extensions import build_engine
from ussd_app.members.demo import seed as demo
from ussd_app.members.importer import (
    CONTRIBUTION_COLUMNS,
    MEMBER_COLUMNS,
    ImportFileError,
    ImportReport,
    import_contributions,
    import_members,
)
from ussd_app.members.models import Contribution, Member
from ussd_app.members.pins import PinHasher

TODAY = date(2026, 11, 26)
MEMBERS_HEADER = ",".join(MEMBER_COLUMNS)
CONTRIBUTIONS_HEADER = ",".join(CONTRIBUTION_COLUMNS)
SOMCHAI = "1001234567,ສົມໃຈ ພົມມະວົງ,020 5551 2345,1964-02-10,M,enterprise,2010-10-18,active,lo"
MANIVONE = "3002345678,ມະນີວອນ ສີສຸວັນ,2055523456,1988-07-21,F,voluntary,2023-12-18,active,"
BOUNMY = "2004567890,ບຸນມີ ອິນທະວົງ,+8562055545678,1979-05-30,M,public,,retired,en"


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def members_csv(*rows: str) -> bytes:
    return csv_bytes(MEMBERS_HEADER, *rows)


def contributions_csv(*rows: str) -> bytes:
    return csv_bytes(CONTRIBUTIONS_HEADER, *rows)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = build_engine("sqlite://")
    create_schema(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def member(session: Session, ssn: str) -> Member:
    found = session.scalar(select(Member).where(Member.ssn == ssn))
    assert found is not None, f"member {ssn} not in the database"
    return found


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def reasons(report: ImportReport) -> dict[int, str]:
    return {r.line: r.reason for r in report.rejected}


# --- members ----------------------------------------------------------------------------------

def test_good_members_are_inserted_with_e164_phones_and_default_language(session: Session) -> None:
    report = import_members(session, members_csv(SOMCHAI, MANIVONE, BOUNMY), today=TODAY)

    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (3, 0, 0, [])
    somchai = member(session, "1001234567")
    assert somchai.full_name == "ສົມໃຈ ພົມມະວົງ"
    assert somchai.date_of_birth == date(1964, 2, 10)
    assert somchai.registered_on == date(2010, 10, 18)
    assert (somchai.sex, somchai.scheme, somchai.status, somchai.language) == ("M", "enterprise", "active", "lo")
    assert somchai.created_at is not None and somchai.linked_at is None and somchai.pin_hash is None
    assert member(session, "3002345678").language == "lo"  # empty language column
    bounmy = member(session, "2004567890")
    assert (bounmy.registered_on, bounmy.status, bounmy.language) == (None, "retired", "en")


@pytest.mark.parametrize("written", ["020 5551 2345", "2055512345", "+8562055512345", "+856 20 5551 2345",
                                     "020-5551-2345", "02055512345"])
def test_phone_formats_normalise_to_e164(session: Session, written: str) -> None:
    import_members(session, members_csv(f"1001234567,Somchai,{written},1964-02-10,M,enterprise,,active,lo"),
                   today=TODAY)
    assert member(session, "1001234567").phone == "+8562055512345"


def test_empty_phone_means_no_phone_on_file(session: Session) -> None:
    report = import_members(session, members_csv("1001234567,Somchai,,1964-02-10,M,enterprise,,active,lo"),
                            today=TODAY)
    assert report.ok
    assert member(session, "1001234567").phone is None


BAD_MEMBER_ROWS = [
    ("12345,Short Ssn,,1990-01-01,M,enterprise,,active,lo", "ssn must be 6 to 13 digits"),
    ("12345678901234,Long Ssn,,1990-01-01,M,enterprise,,active,lo", "ssn must be 6 to 13 digits"),
    ("12-345678,Dash Ssn,,1990-01-01,M,enterprise,,active,lo", "ssn must be 6 to 13 digits"),
    (",No Ssn,,1990-01-01,M,enterprise,,active,lo", "ssn is empty"),
    ("7000001,  ,,1990-01-01,M,enterprise,,active,lo", "full_name is empty"),
    ("7000002,Bad Phone,020 5551 23,1990-01-01,M,enterprise,,active,lo", "phone is not a valid phone number"),
    ("7000003,Bad Phone,hello,1990-01-01,M,enterprise,,active,lo", "phone is not a valid phone number"),
    ("7000004,Slash Date,,01/02/1990,M,enterprise,,active,lo", "date_of_birth must be a date written YYYY-MM-DD"),
    ("7000005,No Such Day,,1990-02-30,M,enterprise,,active,lo", "date_of_birth is not a real date"),
    ("7000006,Not Born Yet,,2026-11-27,M,enterprise,,active,lo", "date_of_birth is in the future"),
    ("7000007,No Birth Date,,,M,enterprise,,active,lo", "date_of_birth is empty"),
    ("7000008,Bad Sex,,1990-01-01,X,enterprise,,active,lo", "sex must be one of M|F, not 'X'"),
    ("7000009,Bad Scheme,,1990-01-01,M,private,,active,lo", "scheme must be one of enterprise|public|voluntary"),
    ("7000010,Bad Status,,1990-01-01,M,enterprise,,dead,lo", "status must be one of active|suspended|retired"),
    ("7000011,Empty Status,,1990-01-01,M,enterprise,,,lo",
     "status must be one of active|suspended|retired|deceased, not empty"),
    ("7000012,Bad Language,,1990-01-01,M,enterprise,,active,fr", "language must be one of lo|en, not 'fr'"),
    ("7000013,Registered Early,,1990-01-01,M,enterprise,1989-12-31,active,lo", "registered_on is before date_of_birth"),
    ("7000014,Registered Later,,1990-01-01,M,enterprise,2027-01-01,active,lo", "registered_on is in the future"),
    ("7000015,Short Row,,1990-01-01,M,enterprise,,active", "expected 9 columns, found 8"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_MEMBER_ROWS, ids=[r[1] for r in BAD_MEMBER_ROWS])
def test_bad_member_row_is_rejected_with_its_line_and_good_rows_still_land(
    session: Session, row: str, reason: str
) -> None:
    report = import_members(session, members_csv(SOMCHAI, row, MANIVONE), today=TODAY)

    assert list(reasons(report)) == [3]
    assert reason in reasons(report)[3]
    assert report.inserted == 2
    assert {m.ssn for m in session.scalars(select(Member))} == {"1001234567", "3002345678"}


def test_a_row_with_several_problems_names_them_all(session: Session) -> None:
    report = import_members(session, members_csv("123,,,2030-01-01,X,private,,dead,fr"), today=TODAY)
    reason = reasons(report)[2]
    for part in ("ssn", "full_name is empty", "date_of_birth is in the future", "sex", "scheme", "status",
                 "language"):
        assert part in reason


def test_rejection_reason_never_echoes_the_phone(session: Session) -> None:
    report = import_members(session, members_csv("7000002,Bad Phone,020 9876 54,1990-01-01,M,enterprise,,active,lo"),
                            today=TODAY)
    assert not report.ok
    assert "9876" not in reasons(report)[2]


def test_second_occurrence_of_an_ssn_in_the_file_is_rejected(session: Session) -> None:
    changed_name = SOMCHAI.replace("ສົມໃຈ", "ບຸນມີ")
    report = import_members(session, members_csv(SOMCHAI, MANIVONE, changed_name), today=TODAY)

    assert reasons(report) == {4: "ssn 1001234567 is already on line 2 of this file"}
    assert member(session, "1001234567").full_name == "ສົມໃຈ ພົມມະວົງ"  # the first one wins


def test_duplicates_are_caught_across_batches(session: Session) -> None:
    report = import_members(session, members_csv(SOMCHAI, MANIVONE, BOUNMY, SOMCHAI), today=TODAY, batch_size=2)
    assert (report.inserted, list(reasons(report))) == (3, [5])


def test_line_numbers_count_blank_lines_and_multiline_cells(session: Session) -> None:
    data = members_csv(SOMCHAI, "", ",,,,,,,,", '7000001,"Two\nLines",,1990-01-01,M,enterprise,,active,lo',
                       "7000002,Bad Sex,,1990-01-01,Q,enterprise,,active,lo")
    report = import_members(session, data, today=TODAY)

    assert list(reasons(report)) == [7]  # header 1, Somchai 2, blanks 3-4, two-line row 5-6, bad row 7
    assert report.inserted == 2
    assert member(session, "7000001").full_name == "Two Lines"


def test_reimporting_the_same_members_file_changes_nothing(session: Session) -> None:
    data = members_csv(SOMCHAI, MANIVONE, BOUNMY)
    import_members(session, data, today=TODAY)
    before = {m.ssn: m.updated_at for m in session.scalars(select(Member))}
    session.expire_all()

    report = import_members(session, data, today=TODAY)

    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (0, 0, 3, [])
    session.expire_all()
    assert {m.ssn: m.updated_at for m in session.scalars(select(Member))} == before


def test_same_phone_written_differently_is_unchanged_and_keeps_the_link(session: Session) -> None:
    import_members(session, members_csv(SOMCHAI), today=TODAY)
    link(session, "1001234567")

    report = import_members(session, members_csv(SOMCHAI.replace("020 5551 2345", "+8562055512345")), today=TODAY)

    assert (report.updated, report.unchanged, report.notes) == (0, 1, [])
    assert member(session, "1001234567").linked_at is not None


def test_upsert_updates_csv_fields_and_keeps_pin_and_link(session: Session) -> None:
    import_members(session, members_csv(SOMCHAI), today=TODAY)
    link(session, "1001234567")
    pin_hash = member(session, "1001234567").pin_hash

    renamed = SOMCHAI.replace("ສົມໃຈ ພົມມະວົງ", "ສົມໃຈ ສີສຸວັນ").replace(",active,lo", ",retired,en")
    report = import_members(session, members_csv(renamed), today=TODAY)

    assert (report.inserted, report.updated, report.notes) == (0, 1, [])
    somchai = member(session, "1001234567")
    assert (somchai.full_name, somchai.status, somchai.language) == ("ສົມໃຈ ສີສຸວັນ", "retired", "en")
    assert somchai.pin_hash == pin_hash and somchai.linked_at is not None


def test_changing_a_linked_members_phone_unlinks_and_says_so_masked(session: Session) -> None:
    import_members(session, members_csv(SOMCHAI, MANIVONE), today=TODAY)
    link(session, "1001234567")

    moved = SOMCHAI.replace("020 5551 2345", "020 7777 8899")
    report = import_members(session, members_csv(moved, MANIVONE.replace("2055523456", "2055599999")), today=TODAY)

    assert report.updated == 2
    somchai = member(session, "1001234567")
    assert (somchai.phone, somchai.linked_at, somchai.pin_hash) == ("+8562077778899", None, None)
    assert member(session, "3002345678").phone == "+8562055599999"  # not linked: just updated, no note
    assert len(report.notes) == 1
    note = report.notes[0]
    assert "line 2" in note and "1001234567" in note and "unlinked" in note
    assert "+856205*****45" in note and "+856207*****99" in note
    assert "55512345" not in note and "77778899" not in note


def test_removing_a_linked_members_phone_unlinks(session: Session) -> None:
    import_members(session, members_csv(SOMCHAI), today=TODAY)
    link(session, "1001234567")

    report = import_members(session, members_csv(SOMCHAI.replace("020 5551 2345", "")), today=TODAY)

    somchai = member(session, "1001234567")
    assert (somchai.phone, somchai.linked_at, somchai.pin_hash) == (None, None, None)
    assert "removed" in report.notes[0]


def link(session: Session, ssn: str) -> None:
    found = member(session, ssn)
    found.linked_at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    found.pin_hash = PinHasher("test-pepper").hash("2580")
    session.commit()


# --- whole-file problems ----------------------------------------------------------------------

def test_wrong_header_names_missing_and_extra_columns_and_imports_nothing(session: Session) -> None:
    header = MEMBERS_HEADER.replace("date_of_birth", "dob").replace(",language", "")
    with pytest.raises(ImportFileError) as raised:
        import_members(session, csv_bytes(header, "1001234567,Somchai,,1964-02-10,M,enterprise,,active"),
                       today=TODAY)
    message = str(raised.value)
    assert "missing column(s): date_of_birth, language" in message
    assert "unexpected column(s): dob" in message
    assert count(session, Member) == 0


def test_columns_may_come_in_any_order_and_any_case(session: Session) -> None:
    header = "SSN,Phone,Full_Name,date_of_birth,sex,scheme,registered_on,status,language"
    report = import_members(session, csv_bytes(header, "1001234567,2055512345,Somchai,1964-02-10,M,enterprise,,"
                                                       "active,lo"), today=TODAY)
    assert report.ok
    assert (member(session, "1001234567").full_name, member(session, "1001234567").phone) == (
        "Somchai", "+8562055512345")


def test_semicolon_separated_file_gets_a_hint(session: Session) -> None:
    with pytest.raises(ImportFileError, match="';' between columns"):
        import_members(session, MEMBERS_HEADER.replace(",", ";").encode() + b"\n", today=TODAY)


def test_empty_file_is_refused(session: Session) -> None:
    with pytest.raises(ImportFileError, match="the file is empty"):
        import_members(session, b"", today=TODAY)


def test_non_utf8_file_is_refused_with_the_line_of_the_bad_byte(session: Session) -> None:
    data = members_csv(SOMCHAI) + "7000001,José Latin,,1990-01-01,M,enterprise,,active,lo\n".encode("latin-1")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text \(first bad byte on line 3\)"):
        import_members(session, data, today=TODAY)
    assert count(session, Member) == 0


def test_broken_quote_is_refused_before_anything_is_written(session: Session) -> None:
    data = members_csv(SOMCHAI, '7000001,"Unclosed,,1990-01-01,M,enterprise,,active,lo')
    with pytest.raises(ImportFileError, match="line 3 cannot be read as CSV"):
        import_members(session, data, today=TODAY)
    assert count(session, Member) == 0


def test_excel_byte_order_mark_is_accepted(session: Session) -> None:
    report = import_members(session, b"\xef\xbb\xbf" + members_csv(SOMCHAI), today=TODAY)
    assert report.ok and report.inserted == 1


# --- contributions ----------------------------------------------------------------------------

@pytest.fixture
def with_members(session: Session) -> Session:
    assert import_members(session, members_csv(SOMCHAI, MANIVONE), today=TODAY).ok
    return session


def test_good_contributions_are_inserted(with_members: Session) -> None:
    report = import_contributions(with_members, contributions_csv(
        "1001234567,2026-09,4500000,247500,270000,2026-10-12",
        "1001234567,2026-10,4500000,247500,270000,",
        "3002345678,2026-06,1500000,135000,0,2026-06-06",
    ), today=TODAY)

    assert (report.inserted, report.updated, report.unchanged, report.rejected) == (3, 0, 0, [])
    rows = member(with_members, "1001234567").contributions
    assert [(c.period, c.insured_wage_lak, c.total_lak, c.paid_on) for c in rows] == [
        ("2026-09", 4_500_000, 517_500, date(2026, 10, 12)),
        ("2026-10", 4_500_000, 517_500, None),
    ]


GOOD = "1001234567,2026-09,4500000,247500,270000,2026-10-12"
BAD_CONTRIBUTION_ROWS = [
    ("9999999,2026-09,4500000,247500,270000,", "no member with ssn 9999999"),
    ("12ab567,2026-09,4500000,247500,270000,", "ssn must be 6 to 13 digits"),
    ("1001234567,2026-13,4500000,247500,270000,", "period must be a month written YYYY-MM"),
    ("1001234567,202609,4500000,247500,270000,", "period must be a month written YYYY-MM"),
    ("1001234567,2026-9,4500000,247500,270000,", "period must be a month written YYYY-MM"),
    ("1001234567,2026-12,4500000,247500,270000,", "period 2026-12 is in the future"),
    ("1001234567,2026-08,\"1,250,000\",68750,75000,", "insured_wage_lak must be a whole number of LAK written "
                                                      "with digits only (no commas"),
    ("1001234567,2026-08,4500000,-5,270000,", "employee_lak must not be negative"),
    ("1001234567,2026-08,4500000,247500.5,270000,", "employee_lak must be a whole number of LAK"),
    ("1001234567,2026-08,4500000,247500,,", "employer_lak is empty"),
    ("1001234567,2026-08,4500000,247500,270000,12/09/2026", "paid_on must be a date written YYYY-MM-DD"),
    ("1001234567,2026-08,4500000,247500,270000,2026-12-01", "paid_on is in the future"),
    (GOOD, "ssn 1001234567 period 2026-09 is already on line 2 of this file"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_CONTRIBUTION_ROWS, ids=[r[1] for r in BAD_CONTRIBUTION_ROWS])
def test_bad_contribution_row_is_rejected_with_its_line_and_good_rows_still_land(
    with_members: Session, row: str, reason: str
) -> None:
    report = import_contributions(
        with_members, contributions_csv(GOOD, row, "3002345678,2026-06,1500000,135000,0,2026-06-06"), today=TODAY
    )

    assert list(reasons(report)) == [3]
    assert reason in reasons(report)[3]
    assert report.inserted == 2
    assert count(with_members, Contribution) == 2


def test_reimporting_contributions_changes_nothing_and_corrections_update(with_members: Session) -> None:
    data = contributions_csv(GOOD, "3002345678,2026-06,1500000,135000,0,2026-06-06")
    import_contributions(with_members, data, today=TODAY)

    again = import_contributions(with_members, data, today=TODAY)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    corrected = import_contributions(
        with_members, contributions_csv(GOOD.replace(",247500,", ",250000,"), "1001234567,2026-10,4500000,247500,"
                                                                              "270000,"), today=TODAY)
    assert (corrected.inserted, corrected.updated, corrected.unchanged) == (1, 1, 0)
    with_members.expire_all()
    assert [(c.period, c.employee_lak) for c in member(with_members, "1001234567").contributions] == [
        ("2026-09", 250_000), ("2026-10", 247_500)]
    assert count(with_members, Contribution) == 3


ORDERS = ("by member", "by period", "shuffled")


@pytest.mark.parametrize("order", ORDERS)
def test_batched_upsert_counts_are_right_whatever_the_row_order(session: Session, order: str) -> None:
    ssns = [str(8_000_001 + i) for i in range(12)]
    assert import_members(session, members_csv(*(f"{ssn},Member {ssn},,1990-01-01,F,voluntary,,active,lo"
                                                 for ssn in ssns)), today=TODAY).ok
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    keys = [(ssn, p) for ssn in ssns for p in months] if order == "by member" else [
        (ssn, p) for p in months for ssn in ssns]
    if order == "shuffled":
        random.Random(7).shuffle(keys)
    rows = [f"{ssn},{p},1000000,90000,0," for ssn, p in keys]
    statements = capture_sql(session)

    first = import_contributions(session, contributions_csv(*rows), today=TODAY, batch_size=10)
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (144, 0, 0, [])

    corrected = [row.replace(",90000,", ",95000,") if i % 3 == 0 else row for i, row in enumerate(rows)]
    again = import_contributions(session, contributions_csv(*corrected), today=TODAY, batch_size=7)
    assert (again.inserted, again.updated, again.unchanged) == (0, 48, 96)
    assert count(session, Contribution) == 144
    assert session.scalar(select(func.sum(Contribution.employee_lak))) == 96 * 90_000 + 48 * 95_000
    # Both lookup strategies are exercised: two plain INs for sorted files, a tuple IN for shuffled ones.
    assert any("IN (VALUES" in sql for sql in statements) is (order == "shuffled")


def capture_sql(session: Session) -> list[str]:
    statements: list[str] = []
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: statements.append(sql))
    return statements


# --- the CLI ----------------------------------------------------------------------------------

@pytest.fixture
def cli_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'lsso.db'}", "REDIS_URL": "",
        "PIN_PEPPER": "test-pepper", "SECRET_KEY": "test-secret", "LOG_LEVEL": "WARNING",
    })
    yield app
    extensions.clients(app).dispose()


def run_cli(app: Flask, tmp_path: Path, command: str, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["members", command, str(path)])


def test_cli_import_reports_counts_and_exits_0_when_every_row_is_good(cli_app: Flask, tmp_path: Path) -> None:
    result = run_cli(cli_app, tmp_path, "import-members", members_csv(SOMCHAI, MANIVONE))

    assert result.exit_code == 0, result.output
    assert result.output == "upload.csv: 2 inserted, 0 updated, 0 unchanged, 0 rejected\n"

    result = run_cli(cli_app, tmp_path, "import-contributions", contributions_csv(GOOD))
    assert (result.exit_code, result.output) == (0, "upload.csv: 1 inserted, 0 updated, 0 unchanged, 0 rejected\n")


def test_cli_exits_1_listing_each_rejected_line_and_still_imports_the_rest(cli_app: Flask, tmp_path: Path) -> None:
    bad = "7000002,Bad Phone,020 9876 54,1990-01-01,M,enterprise,,active,lo"
    result = run_cli(cli_app, tmp_path, "import-members", members_csv(SOMCHAI, bad, MANIVONE.replace(",F,", ",W,")))

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "upload.csv: 1 inserted, 0 updated, 0 unchanged, 2 rejected"
    assert lines[1].startswith("  rejected line 3: phone is not a valid phone number")
    assert lines[2] == "  rejected line 4: sex must be one of M|F, not 'W'"
    assert "9876" not in result.output
    with extensions.clients(cli_app).sessions() as s:
        assert [m.ssn for m in s.scalars(select(Member))] == ["1001234567"]


def test_cli_prints_the_unlink_note_with_masked_phones_only(cli_app: Flask, tmp_path: Path) -> None:
    run_cli(cli_app, tmp_path, "import-members", members_csv(SOMCHAI))
    with extensions.clients(cli_app).sessions() as s:
        link(s, "1001234567")

    result = run_cli(cli_app, tmp_path, "import-members", members_csv(SOMCHAI.replace("5551 2345", "7777 8899")))

    assert result.exit_code == 0
    assert "1 updated" in result.output and "note: line 2: ssn 1001234567" in result.output
    assert "+856205*****45" in result.output and "55512345" not in result.output and "77778899" not in result.output


def test_cli_refuses_a_wrong_header_with_exit_2_and_imports_nothing(cli_app: Flask, tmp_path: Path) -> None:
    result = run_cli(cli_app, tmp_path, "import-contributions", members_csv(SOMCHAI))

    assert result.exit_code == 2
    assert "missing column(s): period, insured_wage_lak" in result.output
    assert "Nothing was imported" in result.output
    with extensions.clients(cli_app).sessions() as s:
        assert count(s, Contribution) == 0


def test_cli_refuses_a_non_utf8_file_with_exit_2(cli_app: Flask, tmp_path: Path) -> None:
    latin1 = members_csv(SOMCHAI) + "7000001,José Latin,,1990-01-01,M,enterprise,,active,lo\n".encode("latin-1")
    result = run_cli(cli_app, tmp_path, "import-members", latin1)
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_cli_seed_demo_seeds_once(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    first = runner.invoke(args=["members", "seed-demo"])
    second = runner.invoke(args=["members", "seed-demo"])

    assert first.exit_code == 0 and "Seeded" in first.output and "demo members" in first.output
    assert second.exit_code == 0 and "nothing seeded" in second.output


# --- the demo data set ------------------------------------------------------------------------

def test_committed_demo_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    demo.write(tmp_path)
    for name in ("members.csv", "contributions.csv", "README.md"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (demo.DATA_DIR / name).read_text(encoding="utf-8"), (
            f"{name} is stale: run python -m ussd_app.members.demo.seed")


def test_demo_csvs_import_without_rejections(session: Session) -> None:
    members = import_members(session, (demo.DATA_DIR / "members.csv").read_bytes(), today=TODAY)
    contributions = import_contributions(session, (demo.DATA_DIR / "contributions.csv").read_bytes(), today=TODAY)

    assert members.rejected == [] and contributions.rejected == []
    assert members.inserted >= 60
    schemes = {k: n for k, n in session.execute(select(Member.scheme, func.count()).group_by(Member.scheme))}
    assert set(schemes) == {"enterprise", "public", "voluntary"} and min(schemes.values()) >= 10
    statuses = {k: n for k, n in session.execute(select(Member.status, func.count()).group_by(Member.status))}
    assert statuses["active"] > statuses["retired"] > statuses["suspended"] >= 1
    assert {m.sex for m in session.scalars(select(Member))} == {"M", "F"}
    phones = [p for p in session.scalars(select(Member.phone)) if p]
    assert len(phones) == len(set(phones)) and len(phones) < members.inserted  # unique, and some have none
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)
    assert any(p.startswith("+85630") for p in phones)
    years = {m.date_of_birth.year for m in session.scalars(select(Member))}
    assert min(years) <= 1960 and max(years) >= 2000


@pytest.fixture
def seeded(session: Session) -> Session:
    assert demo.seed_demo(session, PinHasher("test-pepper"), today=TODAY) is True
    return session


def by_phone(session: Session, phone: str) -> Member:
    found = session.scalar(select(Member).where(Member.phone == phone))
    assert found is not None, f"no member with phone {phone}"
    return found


def periods(found: Member) -> list[str]:
    return [c.period for c in found.contributions]


def test_showcase_members_are_as_documented(seeded: Session) -> None:
    hasher = PinHasher("test-pepper")
    expected = {  # phone: (scheme, sex, born, language, linked)
        "+8562055512345": ("enterprise", "M", date(1964, 2, 10), "lo", True),
        "+8562055523456": ("voluntary", "F", date(1988, 7, 21), "lo", True),
        "+8562055534567": ("enterprise", "F", date(1992, 11, 3), "lo", False),
        "+8562055545678": ("public", "M", date(1979, 5, 30), "en", False),
        "+8562055556789": ("enterprise", "M", date(1999, 1, 15), "en", True),
        "+8562055567890": ("voluntary", "M", date(1970, 9, 9), "en", True),
    }
    for phone, (scheme, sex, born, language, linked) in expected.items():
        found = by_phone(seeded, phone)
        assert (found.scheme, found.sex, found.date_of_birth, found.language, found.status) == (
            scheme, sex, born, language, "active"), phone
        assert (found.linked_at is not None) is linked, phone
        assert hasher.verify(found.pin_hash, demo.DEMO_PIN) is linked, phone

    somchai = periods(by_phone(seeded, "+8562055512345"))
    assert len(somchai) >= 185 and somchai[-1] == "2026-10"
    manivone = periods(by_phone(seeded, "+8562055523456"))
    assert 28 <= len(manivone) <= 32 and manivone[-1] == "2026-06"
    assert 36 <= len(periods(by_phone(seeded, "+8562055534567"))) <= 44
    assert 140 <= len(periods(by_phone(seeded, "+8562055545678"))) <= 160
    assert periods(by_phone(seeded, "+8562055556789")) == []
    khamphone = periods(by_phone(seeded, "+8562055567890"))
    assert len(khamphone) == 179 and khamphone[-1] == "2026-10"
    assert seeded.scalar(select(Member).where(Member.phone == demo.NOT_A_MEMBER)) is None
    assert sum(1 for m in seeded.scalars(select(Member)) if m.linked_at is not None) == 4


def test_demo_readme_documents_every_showcase_phone_and_the_pin() -> None:
    text = (demo.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for s in demo.SHOWCASE:
        assert s.phone in text and s.ssn in text and f"{s.born:%d%m%Y}" in text
    assert demo.DEMO_PIN in text and demo.NOT_A_MEMBER in text


def test_demo_amounts_follow_the_scheme_rules(seeded: Session) -> None:
    for found in seeded.scalars(select(Member)):
        for c in found.contributions:
            if found.scheme == "enterprise":
                assert c.insured_wage_lak <= 4_500_000
                assert c.employee_lak == (c.insured_wage_lak * 55 + 500) // 1000
                assert c.employer_lak == (c.insured_wage_lak * 60 + 500) // 1000
            elif found.scheme == "voluntary":
                assert c.employer_lak == 0
                assert c.employee_lak == max(108_000, (c.insured_wage_lak * 90 + 500) // 1000)


def test_some_voluntary_members_are_behind_and_some_histories_have_gaps(seeded: Session) -> None:
    behind, gaps = 0, 0
    for found in seeded.scalars(select(Member)):
        months = periods(found)
        if found.scheme == "voluntary" and found.status == "active" and months and "2026-04" <= months[-1] <= "2026-08":
            behind += 1
        index = [int(p[:4]) * 12 + int(p[5:]) for p in months]
        gaps += any(b - a > 1 for a, b in zip(index, index[1:], strict=False))
    assert behind >= 2 and gaps >= 3


def test_seed_demo_is_idempotent_and_fast(session: Session) -> None:
    started = time.perf_counter()
    assert demo.seed_demo(session, PinHasher("test-pepper"), today=TODAY) is True
    elapsed = time.perf_counter() - started
    members, rows = count(session, Member), count(session, Contribution)

    assert demo.seed_demo(session, PinHasher("test-pepper"), today=TODAY) is False
    assert (count(session, Member), count(session, Contribution)) == (members, rows)
    assert elapsed < 2.0


# --- optional columns: national ID, province, district ------------------------------------------

WITH_PLACES = MEMBERS_HEADER + ",national_id,province,district"


def test_national_id_and_place_are_imported_when_the_file_has_them(session: Session) -> None:
    report = import_members(session, csv_bytes(WITH_PLACES, SOMCHAI + ",1001-2345-67 89,Luang Prabang, Nan ",
                                               MANIVONE + ",,,"), today=TODAY)
    assert report.ok and report.inserted == 2
    somchai, manivone = member(session, "1001234567"), member(session, "3002345678")
    assert (somchai.national_id, somchai.province, somchai.district) == ("1001234567 89".replace(" ", ""),
                                                                         "Luang Prabang", "Nan")
    assert (manivone.national_id, manivone.province) == (None, None)


def test_a_file_without_them_leaves_them_as_they_are(session: Session) -> None:
    import_members(session, csv_bytes(WITH_PLACES, SOMCHAI + ",100123456789,Bokeo,Houayxay"), today=TODAY)
    report = import_members(session, members_csv(SOMCHAI.replace("ສົມໃຈ ພົມມະວົງ", "ສົມໃຈ")), today=TODAY)
    assert report.updated == 1
    assert (member(session, "1001234567").national_id, member(session, "1001234567").province) == \
        ("100123456789", "Bokeo")


def test_a_national_id_held_twice_is_refused_with_the_line(session: Session) -> None:
    import_members(session, csv_bytes(WITH_PLACES, SOMCHAI + ",100123456789,,"), today=TODAY)
    report = import_members(session, csv_bytes(WITH_PLACES, MANIVONE + ",100123456789,,",
                                               BOUNMY + ",ABC,,", BOUNMY.replace("2004567890", "2004567891") +
                                               ",200456789011,,", MANIVONE.replace("3002345678", "3002345679") +
                                               ",200456789011,,"), today=TODAY)
    assert reasons(report) == {2: "national_id already belongs to ssn 1001234567",
                               3: "national_id must be 6 to 20 letters and digits",
                               5: "national_id is already on line 4 of this file"}
