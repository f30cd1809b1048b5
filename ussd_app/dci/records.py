"""A member as a DCI person record: only the parts a partner's purpose and scopes allow.

The eligibility summary is computed by the same rules as the USSD screens (ussd_app/benefits);
the contribution summary says months paid (in all, in the last 6 and 12 months), the last period
paid, and whether the member is behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ussd_app.benefits import Rules, count_months, evaluate
from ussd_app.dci.purposes import CONTRIBUTIONS, ELIGIBILITY, ENROLMENT, IDENTITY
from ussd_app.members.arrears import is_behind
from ussd_app.members.models import Contribution, Member

RECORD_TYPE = "lsso:Member"  # our reg_record_type
REGISTRY_TYPE = "ns:lsso:RegistryType:SocialSecurity"
SEX_WORDS = {"M": "male", "F": "female"}
COLUMNS = (Member.id, Member.ssn, Member.national_id, Member.full_name, Member.sex, Member.date_of_birth,
           Member.scheme, Member.status, Member.registered_on, Member.province, Member.district)


def paid_periods(conn: Connection, member_ids: Iterable[int]) -> dict[int, list[str]]:
    """Every paid period of these members, in one query."""
    ids = list(member_ids)
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    rows = conn.execute(select(Contribution.member_id, Contribution.period)
                        .where(Contribution.member_id.in_(ids),
                               Contribution.employee_lak + Contribution.employer_lak > 0))
    for member_id, period in rows:
        found[member_id].append(period)
    return found


def contribution_summary(periods: list[str], today: date, due_day: int) -> dict[str, Any]:
    months = sorted(set(periods))
    last = months[-1] if months else None
    return {
        "months_paid": len(months),
        "last_period_paid": last,
        "months_paid_last_6": count_months(months, today, 6),
        "months_paid_last_12": count_months(months, today, 12),
        "in_arrears": is_behind(last, today, due_day),
    }


def eligibility_summary(rules: Rules, row: Any, periods: list[str], today: date) -> list[dict[str, Any]]:
    results = evaluate(rules, sex=row.sex, date_of_birth=row.date_of_birth, scheme=row.scheme, periods=periods,
                       today=today)
    return [{"benefit": r.code, "name": r.name["en"], "eligible": r.eligible,
             "months_paid": r.months_paid, "months_missing": r.missing_months, "from_age": r.from_age}
            for r in results if r.covered]


def record(row: Any, parts: frozenset[str], periods: list[str], rules: Rules, today: date,
           due_day: int) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": RECORD_TYPE}
    if IDENTITY in parts:
        given, _, family = row.full_name.partition(" ")
        identifiers = [{"identifier_type": "SSN", "identifier_value": row.ssn}]
        if row.national_id:
            identifiers.append({"identifier_type": "UIN", "identifier_value": row.national_id})
        out.update(identifier=identifiers, name={"given_name": given, "sur_name": family},
                   sex=SEX_WORDS.get(row.sex, "unknown"), birthdate=row.date_of_birth.isoformat())
    if ENROLMENT in parts:
        out["enrolment"] = {"scheme": row.scheme, "status": row.status,
                            "registered_on": row.registered_on.isoformat() if row.registered_on else None,
                            "province": row.province, "district": row.district}
    if ELIGIBILITY in parts:
        out["eligibility"] = eligibility_summary(rules, row, periods, today)
    if CONTRIBUTIONS in parts:
        out["contributions"] = contribution_summary(periods, today, due_day)
    return out
