"""Which benefits a member qualifies for, and one short line per benefit saying so.

Pure: the caller passes the member's facts, the paid periods and today's date; nothing here reads a clock or a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ussd_app.benefits.rules import SEXES, Benefit, Rules

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# One line per case, sized with the name limits in rules.NAME_MAX_CHARS so each fits a USSD line.
_LINES = {
    "lo": {
        "eligible": "{name}: ມີສິດ",
        "months": "{name}: ຂາດອີກ {n} ເດືອນ",
        "age": "{name}: ເມື່ອອາຍຸ {x} ປີ",
        "both": "{name}: ຂາດ {n} ເດືອນ, ອາຍຸ {x}",
        "not_covered": "{name}: ບໍ່ຢູ່ໃນລະບອບ",
    },
    "en": {
        "eligible": "{name}: eligible",
        "months": "{name}: {n} more {months}",
        "age": "{name}: from age {x}",
        "both": "{name}: {n} more {months}, age {x}",
        "not_covered": "{name}: not in your scheme",
    },
}


@dataclass(frozen=True)
class BenefitResult:
    code: str
    name: dict[str, str]
    eligible: bool
    covered: bool  # False when the member's scheme (or sex) is not covered by this benefit
    months_paid: int  # counted months, within the benefit's window if it has one
    missing_months: int  # 0 when enough (and when not covered: there is nothing to pay towards)
    from_age: int | None  # the age required, while the member is younger; else None
    confidence: str


def age_on(date_of_birth: date, today: date) -> int:
    """Whole years completed on `today` (someone born on 29 February turns a year older on 1 March)."""
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - before_birthday


def count_months(periods: Iterable[str], today: date, window_months: int | None) -> int:
    """Distinct paid months up to today's month; with a window, only the last `window_months` of them count.

    The window includes the current month: with window 12 on 2026-06-15 it runs 2025-07 .. 2026-06.
    """
    if window_months is not None and window_months < 1:
        raise ValueError(f"window_months must be at least 1 or None (got {window_months})")
    return _count(_month_numbers(periods), today, window_months)


def evaluate(rules: Rules, *, sex: str, date_of_birth: date, scheme: str, periods: Iterable[str],
             today: date) -> list[BenefitResult]:
    """One result per benefit, in the order of the rules file, including benefits the member is not covered by."""
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {', '.join(SEXES)} (got {sex!r})")
    if scheme not in rules.schemes:
        raise ValueError(f"scheme {scheme!r} is not in rules version {rules.version}")
    months = _month_numbers(periods)  # parsed once: `periods` may be a one-shot iterator
    age = age_on(date_of_birth, today)
    return [_result(benefit, sex, scheme, age, _count(months, today, benefit.window_months))
            for benefit in rules.benefits]


def explain(result: BenefitResult, lang: str) -> str:
    """One short line for a USSD screen, in Lao ('lo') or English ('en')."""
    if lang not in _LINES:
        raise ValueError(f"no wording for language {lang!r} (known: {', '.join(_LINES)})")
    if not result.covered:
        case = "not_covered"
    elif result.eligible:
        case = "eligible"
    elif result.missing_months and result.from_age is not None:
        case = "both"
    elif result.missing_months:
        case = "months"
    else:
        case = "age"
    months = "month" if result.missing_months == 1 else "months"
    return _LINES[lang][case].format(name=result.name[lang], n=result.missing_months, x=result.from_age,
                                     months=months)


def _result(benefit: Benefit, sex: str, scheme: str, age: int, months_paid: int) -> BenefitResult:
    covered = scheme in benefit.schemes and benefit.sex in (None, sex)
    missing = max(0, benefit.min_months - months_paid) if covered else 0
    required_age = benefit.min_age[sex] if covered and benefit.min_age else None
    from_age = required_age if required_age is not None and age < required_age else None
    eligible = covered and not missing and from_age is None
    return BenefitResult(code=benefit.code, name=dict(benefit.name), eligible=eligible, covered=covered,
                         months_paid=months_paid, missing_months=missing, from_age=from_age,
                         confidence=benefit.confidence)


def _month_numbers(periods: Iterable[str]) -> set[int]:
    """Each 'YYYY-MM' as a month count (year * 12 + month - 1); a set, so a month paid twice counts once."""
    numbers = set()
    for period in periods:
        match = _PERIOD.match(period) if isinstance(period, str) else None
        if match is None:
            raise ValueError(f"a period is 'YYYY-MM' (got {period!r})")
        numbers.add(int(match[1]) * 12 + int(match[2]) - 1)
    return numbers


def _count(months: set[int], today: date, window_months: int | None) -> int:
    current = today.year * 12 + today.month - 1
    # Months after the current one (paid ahead, or mistyped) are not earned yet, so they do not count.
    first = current - window_months + 1 if window_months is not None else -1
    return sum(1 for month in months if first <= month <= current)
