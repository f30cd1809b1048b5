"""Check one CSV row and turn its cells into typed values, or say in one line what is wrong.

Reasons are shown to staff with the row's line number; they never echo a phone number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ussd_app.members.models import LANGUAGES, MemberStatus, Scheme, Sex
from ussd_app.text.phones import InvalidPhone, normalise

MEMBER_COLUMNS = (
    "ssn", "full_name", "phone", "date_of_birth", "sex", "scheme", "registered_on", "status", "language",
)
MEMBER_OPTIONAL_COLUMNS = ("national_id", "province", "district")  # left out: kept as they are
CONTRIBUTION_COLUMNS = ("ssn", "period", "insured_wage_lak", "employee_lak", "employer_lak", "paid_on")

MAX_NAME = 120
MAX_AMOUNT_DIGITS = 12  # 999 billion LAK: anything longer is a typing error, and would overflow BIGINT soon

TIMEZONE = "Asia/Vientiane"  # "in the future" means after today where the members are

SEXES = tuple(s.value for s in Sex)
SCHEMES = tuple(s.value for s in Scheme)
STATUSES = tuple(s.value for s in MemberStatus)

_SSN = re.compile(r"\d{6,13}")
_NATIONAL_ID = re.compile(r"[0-9A-Z]{6,20}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


def local_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


class RowError(ValueError):
    """One row is invalid; the message is the reason shown to staff."""


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
    if "national_id" in cells:
        values["national_id"] = _take(errors, _national_id, cells["national_id"])
    for place in ("province", "district"):
        if place in cells:
            values[place] = _take(errors, _place, place, cells[place])
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


def _national_id(raw: str) -> str | None:
    value = raw.replace(" ", "").replace("-", "").upper()
    if not value:
        return None
    if not _NATIONAL_ID.fullmatch(value):
        raise RowError("national_id must be 6 to 20 letters and digits")
    return value


def _place(name: str, raw: str) -> str | None:
    value = " ".join(raw.split())
    if len(value) > 40:
        raise RowError(f"{name} is longer than 40 characters")
    return value or None


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

