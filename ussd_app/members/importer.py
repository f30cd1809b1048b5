"""Import members and contributions from CSV files: parse, check each row, upsert in batches.

Works on a SQLAlchemy `Session` (no Flask). A problem with the file as a whole (not UTF-8, wrong
header) raises `ImportFileError` before anything is written. A bad row is rejected with its CSV
line number (header = line 1) and a one-line reason, and the good rows are still imported.
Re-importing the same file changes nothing. Reasons never echo a phone number, and notes mask it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from ussd_app.members.models import LANGUAGES, Contribution, Member, MemberStatus, Scheme, Sex
from ussd_app.phones import InvalidPhone, mask, normalise

MEMBER_COLUMNS = (
    "ssn", "full_name", "phone", "date_of_birth", "sex", "scheme", "registered_on", "status", "language",
)
CONTRIBUTION_COLUMNS = ("ssn", "period", "insured_wage_lak", "employee_lak", "employer_lak", "paid_on")
CONTRIBUTION_FIELDS = ("period", "insured_wage_lak", "employee_lak", "employer_lak", "paid_on")

_MEMBERS = Member.__table__  # new rows go in through Core executemany: no ORM object per row
_CONTRIBUTIONS = Contribution.__table__

MEMBER_BATCH = 1_000
CONTRIBUTION_BATCH = 2_000
MAX_NAME = 120
MAX_AMOUNT_DIGITS = 12  # 999 billion LAK: anything longer is a typing error, and would overflow BIGINT soon

TIMEZONE = "Asia/Vientiane"  # "in the future" means after today where the members are

SEXES = tuple(s.value for s in Sex)
SCHEMES = tuple(s.value for s in Scheme)
STATUSES = tuple(s.value for s in MemberStatus)

_SSN = re.compile(r"\d{6,13}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


def local_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


class ImportFileError(ValueError):
    """The file cannot be imported at all (encoding, header); nothing was imported."""


class RowError(ValueError):
    """One row is invalid; the message is the reason shown to staff."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def lines(self, name: str) -> list[str]:
        """What the CLI prints: a summary, one line per rejected row, then the notes."""
        summary = (
            f"{name}: {self.inserted} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
        )
        out = [summary]
        out += [f"  rejected line {r.line}: {r.reason}" for r in sorted(self.rejected, key=lambda r: r.line)]
        out += [f"  note: {note}" for note in self.notes]
        return out


# --- reading the file -------------------------------------------------------------------------

def read_rows(data: bytes, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Check encoding, CSV structure and header now (ImportFileError), then yield (line, cells or
    the reason the row is rejected). Blank lines (also Excel's ",,,,") are skipped; the order of
    the columns does not matter.
    """
    text = _decode(data)
    _check_structure(text)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader, None)
    index = _check_header(header, columns)
    return _records(reader, index, len(header or ()))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # also strips Excel's byte order mark
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(
            f"the file is not UTF-8 text (first bad byte on line {line}); "
            "in Excel use 'Save As' > 'CSV UTF-8 (Comma delimited)'"
        ) from None


def _check_structure(text: str) -> None:
    """A broken quote makes the rest of the file unreadable, so find it before writing anything."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    try:
        for _ in reader:
            end = reader.line_num
    except csv.Error as exc:
        raise ImportFileError(f"line {end + 1} cannot be read as CSV ({exc}); check its quotes") from None


def _check_header(header: list[str] | None, columns: tuple[str, ...]) -> dict[str, int]:
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(f"the file is empty; the first line must be the header: {','.join(columns)}")
    names = [cell.strip().lower() for cell in header]
    missing = [c for c in columns if c not in names]
    extra = [n or "(empty)" for n in names if n not in columns]
    repeated = sorted({n for n in names if n in columns and names.count(n) > 1})
    if not (missing or extra or repeated):
        return {name: names.index(name) for name in columns}
    problems = []
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    if extra:
        problems.append("unexpected column(s): " + ", ".join(extra))
    if repeated:
        problems.append("repeated column(s): " + ", ".join(repeated))
    hint = ""
    if len(names) == 1 and ";" in header[0]:
        hint = " (the file seems to use ';' between columns: save it as CSV with commas)"
    raise ImportFileError(f"wrong header: {'; '.join(problems)}{hint}. Expected: {','.join(columns)}")


def _records(reader: Any, index: dict[str, int], width: int) -> Iterator[tuple[int, dict[str, str] | str]]:
    previous_end = reader.line_num
    for cells in reader:
        line, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            yield line, f"expected {width} columns, found {len(cells)}"
            continue
        yield line, {name: cells[i].strip() for name, i in index.items()}


# --- checking one row -------------------------------------------------------------------------

def parse_member(cells: dict[str, str], today: date, region: str = "LA") -> dict[str, Any]:
    """Cells of one members row -> Member attribute values; RowError lists every problem."""
    errors: list[str] = []
    values = {
        "ssn": _take(errors, _ssn, cells["ssn"]),
        "full_name": _take(errors, _name, cells["full_name"]),
        "phone": _take(errors, _phone, cells["phone"], region),
        "date_of_birth": _take(errors, _past_date, "date_of_birth", cells["date_of_birth"], today),
        "sex": _take(errors, _choice, "sex", cells["sex"].upper(), SEXES),
        "scheme": _take(errors, _choice, "scheme", cells["scheme"].lower(), SCHEMES),
        "registered_on": _take(errors, _past_date, "registered_on", cells["registered_on"], today, True),
        "status": _take(errors, _choice, "status", cells["status"].lower(), STATUSES),
        "language": _take(errors, _choice, "language", cells["language"].lower() or "lo", LANGUAGES),
    }
    born, registered = values["date_of_birth"], values["registered_on"]
    if born and registered and registered < born:
        errors.append("registered_on is before date_of_birth")
    if errors:
        raise RowError("; ".join(errors))
    return values


def parse_contribution(cells: dict[str, str], today: date) -> dict[str, Any]:
    """Cells of one contributions row -> {'ssn', 'period', amounts, 'paid_on'}; RowError if bad."""
    errors: list[str] = []
    values = {
        "ssn": _take(errors, _ssn, cells["ssn"]),
        "period": _take(errors, _period, cells["period"], today),
        "insured_wage_lak": _take(errors, _amount, "insured_wage_lak", cells["insured_wage_lak"]),
        "employee_lak": _take(errors, _amount, "employee_lak", cells["employee_lak"]),
        "employer_lak": _take(errors, _amount, "employer_lak", cells["employer_lak"]),
        "paid_on": _take(errors, _past_date, "paid_on", cells["paid_on"], today, True),
    }
    if errors:
        raise RowError("; ".join(errors))
    return values


def _take(errors: list[str], parse: Callable[..., Any], *args: Any) -> Any:
    try:
        return parse(*args)
    except RowError as exc:
        errors.append(str(exc))
        return None


def _ssn(raw: str) -> str:
    if not _SSN.fullmatch(raw):
        raise RowError("ssn is empty" if not raw else "ssn must be 6 to 13 digits, nothing else")
    return raw


def _name(raw: str) -> str:
    name = unicodedata.normalize("NFC", " ".join(raw.split()))
    if not name:
        raise RowError("full_name is empty")
    if len(name) > MAX_NAME:
        raise RowError(f"full_name is longer than {MAX_NAME} characters")
    return name


def _phone(raw: str, region: str) -> str | None:
    if not raw:
        return None  # no phone on file
    try:
        return normalise(raw, region)
    except InvalidPhone:
        raise RowError("phone is not a valid phone number (write e.g. 020 5555 1234 or +856 20 5555 1234)") from None


def _past_date(name: str, raw: str, today: date, optional: bool = False) -> date | None:
    if not raw:
        if optional:
            return None
        raise RowError(f"{name} is empty")
    if not _DATE.fullmatch(raw):
        raise RowError(f"{name} must be a date written YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise RowError(f"{name} is not a real date") from None
    if value > today:
        raise RowError(f"{name} is in the future")
    if value.year < 1900:
        raise RowError(f"{name} is before 1900")
    return value


def _choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        shown = f"'{raw}'" if raw else "empty"
        raise RowError(f"{name} must be one of {'|'.join(allowed)}, not {shown}")
    return raw


def _period(raw: str, today: date) -> str:
    match = _PERIOD.fullmatch(raw)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RowError("period must be a month written YYYY-MM")
    if raw > f"{today.year:04d}-{today.month:02d}":
        raise RowError(f"period {raw} is in the future")
    if int(match.group(1)) < 1900:
        raise RowError("period is before 1900")
    return raw


def _amount(name: str, raw: str) -> int:
    if raw.isascii() and raw.isdigit():
        if len(raw.lstrip("0")) > MAX_AMOUNT_DIGITS:
            raise RowError(f"{name} is implausibly large ({len(raw)} digits)")
        return int(raw)
    if not raw:
        raise RowError(f"{name} is empty")
    if raw.startswith("-"):
        raise RowError(f"{name} must not be negative")
    raise RowError(f"{name} must be a whole number of LAK written with digits only (no commas, spaces, "
                   f"dots or currency), not '{raw[:20]}'")


# --- writing ----------------------------------------------------------------------------------

def import_members(
    session: Session,
    data: bytes,
    *,
    region: str = "LA",
    today: date | None = None,
    batch_size: int = MEMBER_BATCH,
    commit: bool = True,
) -> ImportReport:
    """Upsert members by ssn. Only CSV fields change; PIN/linking fields are kept, except that a
    linked member whose phone changes is unlinked (noted in the report).

    commit=False flushes each batch instead of committing it (the caller commits once).
    """
    today = today or local_today()
    report = ImportReport()
    seen: dict[str, int] = {}
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, cells in read_rows(data, MEMBER_COLUMNS):
        try:
            if isinstance(cells, str):
                raise RowError(cells)
            values = parse_member(cells, today, region)
            if values["ssn"] in seen:
                raise RowError(f"ssn {values['ssn']} is already on line {seen[values['ssn']]} of this file")
        except RowError as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        seen[values["ssn"]] = line
        batch.append((line, values))
        if len(batch) >= batch_size:
            _write_members(session, batch, report, commit)
            batch = []
    _write_members(session, batch, report, commit)
    return report


def _write_members(session: Session, batch: list[tuple[int, dict[str, Any]]], report: ImportReport,
                   commit: bool) -> None:
    if not batch:
        return
    ssns = [values["ssn"] for _, values in batch]
    existing = {m.ssn: m for m in session.scalars(select(Member).where(Member.ssn.in_(ssns)))}
    inserts = []
    for line, values in batch:
        member = existing.get(values["ssn"])
        if member is None:
            inserts.append(values)
            continue
        changed = {k: v for k, v in values.items() if getattr(member, k) != v}
        if not changed:
            report.unchanged += 1
            continue
        if "phone" in changed and member.linked_at is not None:
            member.linked_at = None
            member.pin_hash = None
            now = f"changed to {mask(values['phone'])}" if values["phone"] else "removed"
            report.notes.append(
                f"line {line}: ssn {member.ssn}: linked phone {mask(member.phone)} {now}; the member is "
                "now unlinked and the PIN cleared (they must link the phone on file again)"
            )
        for key, value in changed.items():
            setattr(member, key, value)
        report.updated += 1
    if inserts:
        session.execute(insert(_MEMBERS), inserts)
        report.inserted += len(inserts)
    _end_batch(session, commit)


def import_contributions(
    session: Session,
    data: bytes,
    *,
    today: date | None = None,
    batch_size: int = CONTRIBUTION_BATCH,
    commit: bool = True,
) -> ImportReport:
    """Upsert contributions by (member, period); rows for an unknown ssn are rejected."""
    today = today or local_today()
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, cells in read_rows(data, CONTRIBUTION_COLUMNS):
        try:
            if isinstance(cells, str):
                raise RowError(cells)
            values = parse_contribution(cells, today)
            key = (values["ssn"], values["period"])
            if key in seen:
                raise RowError(f"ssn {key[0]} period {key[1]} is already on line {seen[key]} of this file")
        except RowError as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        seen[key] = line
        batch.append((line, values))
        if len(batch) >= batch_size:
            _write_contributions(session, batch, report, commit)
            batch = []
    _write_contributions(session, batch, report, commit)
    return report


def _write_contributions(session: Session, batch: list[tuple[int, dict[str, Any]]], report: ImportReport,
                         commit: bool) -> None:
    if not batch:
        return
    ssns = {values["ssn"] for _, values in batch}
    found = session.execute(select(Member.ssn, Member.id).where(Member.ssn.in_(ssns)))
    member_ids = {ssn: member_id for ssn, member_id in found}
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for line, values in batch:
        member_id = member_ids.get(values["ssn"])
        if member_id is None:
            report.rejected.append(Rejection(line, f"no member with ssn {values['ssn']} (import the members first)"))
            continue
        del values["ssn"]
        values["member_id"] = member_id
        rows[(member_id, values["period"])] = values
    existing = _existing_contributions(session, list(rows))
    inserts, updates = [], []
    for key, row in rows.items():
        if key not in existing:
            inserts.append(row)
            continue
        row_id, old = existing[key]
        if old == tuple(row[f] for f in CONTRIBUTION_FIELDS):
            report.unchanged += 1
        else:
            updates.append({"_id": row_id, **{f: row[f] for f in CONTRIBUTION_FIELDS}})
    if inserts:
        session.execute(insert(_CONTRIBUTIONS), inserts)
    if updates:
        session.execute(update(_CONTRIBUTIONS).where(_CONTRIBUTIONS.c.id == bindparam("_id")), updates)
    report.inserted += len(inserts)
    report.updated += len(updates)
    _end_batch(session, commit)


def _existing_contributions(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, tuple]]:
    """(member_id, period) -> (id, values in CONTRIBUTION_FIELDS order) for (at least) the keys that exist."""
    if not keys:
        return {}
    c = _CONTRIBUTIONS.c
    query = select(c.id, c.member_id, *(c[f] for f in CONTRIBUTION_FIELDS))
    member_ids = sorted({m for m, _ in keys})
    periods = sorted({p for _, p in keys})
    if len(member_ids) * len(periods) <= 4 * len(keys):
        # Files sorted by member or by period (the usual) keep this product small: two plain INs,
        # much cheaper to compile than a tuple IN (the few extra rows it may return do no harm).
        query = query.where(c.member_id.in_(member_ids), c.period.in_(periods))
    else:
        query = query.where(tuple_(c.member_id, c.period).in_(keys))
    return {(member_id, values[0]): (row_id, tuple(values)) for row_id, member_id, *values in session.execute(query)}


def _end_batch(session: Session, commit: bool) -> None:
    if commit:
        session.commit()
    else:
        session.flush()
