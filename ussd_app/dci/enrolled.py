"""IBR's /registry/sync/enrolled: is this person insured by LSSO, in which scheme, with what status.

The query names a person by one identifier: DCI's own form {"person_identifier": {"eq": …}} (our
SSN or the national ID), or an idtype-value {"type": "SSN" | "UIN" | "MOBILE", "value": …}. A
programme may be named too (`programme_identifier…`: "lsso" or one of our schemes). The answer is
IBR's EnrolledResponse, with the scheme and status added to each item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from ussd_app.dci import queries
from ussd_app.dci.envelope import iso
from ussd_app.dci.models import Partner
from ussd_app.dci.search import Outcome, purpose_of, visible
from ussd_app.members.models import Member, MemberStatus, Scheme

PROGRAMME = "lsso"  # the programme identifier naming LSSO as a whole
ENROLLED_STATUSES = (MemberStatus.ACTIVE.value, MemberStatus.SUSPENDED.value, MemberStatus.RETIRED.value)


def _person(query: Any, region: str) -> Any:
    if isinstance(query, dict) and "person_identifier" in query:
        wanted = query["person_identifier"]
        value = wanted.get("eq") if isinstance(wanted, dict) else None
        if not isinstance(value, (str, int)) or not str(value).strip():
            raise queries.BadQuery("rjct.search_criteria.invalid", "person_identifier is {\"eq\": \"…\"}")
        value = str(value).strip()
        return or_(Member.ssn == value, Member.national_id == value.replace(" ", "").replace("-", "").upper())
    return queries.by_identifier(query, region)


def _programme(query: Any) -> Any:
    named = [v for k, v in query.items() if k.startswith("programme_identifier")] if isinstance(query, dict) else []
    if not named:
        return True
    value = named[0].get("eq") if isinstance(named[0], dict) else None
    if value == PROGRAMME:
        return True
    schemes = {s.value for s in Scheme}
    if value not in schemes:
        raise queries.BadQuery("rjct.search_criteria.invalid",
                               f"programmes here are {PROGRAMME!r} or one of {', '.join(sorted(schemes))}")
    return Member.scheme == value


def enrolled(conn: Connection, partner: Partner, message: dict[str, Any], now: datetime, region: str,
             correlation_id: str) -> Outcome:
    criteria = message.get("enrolled_criteria")
    if "transaction_id" not in message or not isinstance(criteria, dict):
        raise queries.BadQuery("rjct.search_criteria.invalid", "the message needs transaction_id and enrolled_criteria")
    reference = str(message.get("reference_id") or criteria.get("reference_id") or message["transaction_id"])[:99]
    query, query_type = criteria.get("query"), criteria.get("query_type", "idtype-value")
    out = Outcome(message={}, queries=[[query_type, query]])
    answer: dict[str, Any] = {"reference_id": reference, "timestamp": iso(now)}
    try:
        purpose = purpose_of(criteria, partner)
        if purpose not in partner.purpose_list:
            raise queries.BadQuery("rjct.search_criteria.invalid",
                                   f"purpose {purpose!r} is not one this partner is registered for")
        if query_type != "idtype-value":
            raise queries.BadQuery("rjct.search_criteria.invalid", "ask about one person, with query_type idtype-value")
        if criteria.get("response_entity", "Member") != "Member":
            raise queries.BadQuery("rjct.search_criteria.invalid", "LSSO insures persons: response_entity is Member")
        person = _person({k: v for k, v in query.items() if not k.startswith("programme_identifier")}
                         if isinstance(query, dict) else query, region)
        row = conn.execute(select(Member.id, Member.scheme, Member.status)
                           .where(and_(person, _programme(query), visible(partner))).limit(1)).first()
    except queries.BadQuery as exc:
        answer.update(status="rjct", status_reason_message=exc.message, enrolled_status="no")
    else:
        enrolled_now = row is not None and row.status in ENROLLED_STATUSES
        answer.update(status="succ", enrolled_status="yes" if enrolled_now else "no")
        if row is not None:
            answer.update(programme=PROGRAMME, scheme=row.scheme, member_status=row.status)
            out.member_ids.append(row.id)
            out.purposes.add(purpose)
    out.message = {"transaction_id": str(message["transaction_id"])[:99], "correlation_id": correlation_id,
                   "enrolled_response": [answer]}
    return out
