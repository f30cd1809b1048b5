"""Which benefits a member qualifies for, and one short line per benefit saying so.

Pure: the caller passes the member's facts, the paid periods and today's date; nothing here reads a clock or a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ussd_app.benefits.rules import LINE_MAX_CHARS, SEXES, Benefit, Rules

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# One line per case, sized with the name limits in rules.NAME_MAX_CHARS so each fits a USSD line. A case with
# several wordings gives the plainest first: explain() takes the first that fits rules.LINE_MAX_CHARS, and the
# last always fits (a name within NAME_MAX_CHARS, three-digit months).
_LINES: dict[str, dict[str, tuple[str, ...]]] = {
    "lo": {
        "eligible": ("{name}: ມີສິດ",),
        "reduced": ("{name}: ມີສິດ, ຫຼຸດ {pct}%",),
        "months": ("{name}: ຂາດອີກ {n} ເດືອນ",),
        "age": ("{name}: ເມື່ອອາຍຸ {x} ປີ",),
        "both": ("{name}: ຂາດ {n} ເດືອນ, ອາຍຸ {x}",),
        "lump_sum": ("{name}: ເງິນກ້ອນ ຫຼື ຈ່າຍອີກ {n} ເດືອນ", "{name}: ເງິນກ້ອນ ຫຼື +{n} ເດືອນ",
                     "{name}: ເງິນກ້ອນ ຫຼື {n} ເດືອນ"),
        "not_covered": ("{name}: ບໍ່ຢູ່ໃນລະບອບ",),
    },
    "en": {
        "eligible": ("{name}: eligible",),
        "reduced": ("{name}: eligible, reduced {pct}%",),
        "months": ("{name}: {n} more {months}",),
        "age": ("{name}: from age {x}",),
        "both": ("{name}: {n} more {months}, age {x}",),
        "lump_sum": ("{name}: lump sum or {n} more {months}", "{name}: lump sum or +{n} {months}"),
        "not_covered": ("{name}: not in your scheme",),
    },
}


@dataclass(frozen=True)
class BenefitResult:
    code: str
    name: dict[str, str]
    eligible: bool  # a pension with a reduced rate counts as eligible from its reduced minimum (see reduced_pct)
    covered: bool  # False when the member's scheme (or sex) is not covered by this benefit
    months_paid: int  # counted months, within the benefit's window if it has one
    missing_months: int  # for the full benefit; 0 when enough (and when not covered: there is nothing to pay towards)
    from_age: int | None  # the age required, while the member is younger; else None
    confidence: str
    # At pension age, the months paid give only the reduced pension: its cut in percent (else None).
    reduced_pct: float | None = None
    # At pension age, too few months for any pension: a lump sum can be claimed now, or the member keeps
    # contributing for `pension_months_missing` more months to reach the nearest pension (the reduced one
    # where the rules have it, so fewer than missing_months then).
    lump_sum: bool = False
    pension_months_missing: int = 0


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
    missing = result.missing_months
    if not result.covered:
        case = "not_covered"
    elif result.eligible:
        case = "reduced" if result.reduced_pct is not None else "eligible"
    elif result.lump_sum:
        case, missing = "lump_sum", result.pension_months_missing
    elif result.missing_months and result.from_age is not None:
        case = "both"
    elif result.missing_months:
        case = "months"
    else:
        case = "age"
    values = {"name": result.name[lang], "n": missing, "x": result.from_age, "months": _months(missing),
              "pct": f"{result.reduced_pct:g}" if result.reduced_pct is not None else ""}
    wordings = [template.format(**values) for template in _LINES[lang][case]]
    return next((line for line in wordings if _width(line) <= LINE_MAX_CHARS[lang]), wordings[-1])


def _result(benefit: Benefit, sex: str, scheme: str, age: int, months_paid: int) -> BenefitResult:
    covered = scheme in benefit.schemes and benefit.sex in (None, sex)
    missing = max(0, benefit.min_months - months_paid) if covered else 0
    required_age = benefit.min_age[sex] if covered and benefit.min_age else None
    from_age = required_age if required_age is not None and age < required_age else None
    at_age = covered and from_age is None
    cut = benefit.reduced.cut_pct(months_paid, benefit.min_months) if at_age and benefit.reduced else None
    eligible = at_age and (not missing or cut is not None)
    lump_sum = at_age and not eligible and benefit.lump_sum is not None
    lowest = benefit.reduced.min_months if benefit.reduced else benefit.min_months  # the nearest pension
    confidence = benefit.confidence
    if cut is not None and benefit.reduced:
        confidence = benefit.reduced.confidence
    elif lump_sum and benefit.lump_sum:
        confidence = benefit.lump_sum.confidence
    return BenefitResult(code=benefit.code, name=dict(benefit.name), eligible=eligible, covered=covered,
                         months_paid=months_paid, missing_months=missing, from_age=from_age, confidence=confidence,
                         reduced_pct=cut, lump_sum=lump_sum,
                         pension_months_missing=max(0, lowest - months_paid) if lump_sum else 0)


def _months(n: int) -> str:
    return "month" if n == 1 else "months"


def _width(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # UCS-2 code units, as the network counts Lao (ASCII: one each)


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
