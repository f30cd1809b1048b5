"""What a partner may ask for, and why: purpose codes and the parts of a record each allows.

A partner is registered with the purposes it may use (the first is its default). A request under
a purpose gets only the parts of a record that purpose needs, and of those only the parts the
partner's scopes allow (eligibility and contributions each need their own scope).
"""

from __future__ import annotations

from dataclasses import dataclass

from ussd_app.dci.models import Scope

IDENTITY = "identity"  # identifiers, name, sex, birth date
ENROLMENT = "enrolment"  # scheme, status, registered date, province and district
ELIGIBILITY = "eligibility"  # per benefit: eligible, or what is missing
CONTRIBUTIONS = "contributions"  # months paid, last period, arrears

NEEDS_SCOPE = {ELIGIBILITY: Scope.ELIGIBILITY.value, CONTRIBUTIONS: Scope.CONTRIBUTIONS.value}


@dataclass(frozen=True)
class Purpose:
    code: str
    what: str  # said to staff, and in the audit trail
    parts: frozenset[str]


PURPOSES = {p.code: p for p in (
    Purpose("verify-enrolment", "check that a person is insured by LSSO, in which scheme and with what status",
            frozenset({IDENTITY, ENROLMENT})),
    Purpose("deduplicate", "find people already covered, to avoid enrolling or paying them twice",
            frozenset({IDENTITY, ENROLMENT})),
    Purpose("coordinate-benefits", "decide a benefit that depends on LSSO's benefits and contributions",
            frozenset({IDENTITY, ENROLMENT, ELIGIBILITY, CONTRIBUTIONS})),
)}


def parts_allowed(purpose: str, scopes: list[str]) -> frozenset[str]:
    """The parts of a record a partner with `scopes` receives under `purpose`."""
    wanted = PURPOSES[purpose].parts
    return frozenset(p for p in wanted if NEEDS_SCOPE.get(p) is None or NEEDS_SCOPE[p] in scopes)
