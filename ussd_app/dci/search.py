"""Answering search requests (sync and async alike): each item of the message is one query, read,
checked against the partner's purposes and consents, paged, and turned into records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.engine import Connection

from ussd_app.benefits import Rules
from ussd_app.dci import queries, records
from ussd_app.dci.envelope import iso
from ussd_app.dci.models import Basis, Partner, PartnerConsent
from ussd_app.dci.purposes import PURPOSES, parts_allowed
from ussd_app.members.models import Member


@dataclass(frozen=True)
class Limits:
    page_size_max: int
    max_matches: int
    due_day: int
    region: str


@dataclass
class Outcome:
    message: dict[str, Any]
    member_ids: list[int] = field(default_factory=list)
    purposes: set[str] = field(default_factory=set)
    queries: list[Any] = field(default_factory=list)  # what was asked, for the audit's keyed hash

    @property
    def records(self) -> int:
        return len(self.member_ids)


def purpose_of(criteria: dict[str, Any], partner: Partner) -> str:
    """The purpose named in the criteria's consent or authorize object, or the partner's default."""
    for holder in ("consent", "authorize"):
        purpose = (criteria.get(holder) or {}).get("purpose") if isinstance(criteria.get(holder), dict) else None
        code = purpose.get("code") if isinstance(purpose, dict) else None
        if code:
            return str(code)
    return partner.purpose_list[0]


def consented(partner: Partner) -> Any:
    """Members who said yes to this partner (for partners whose basis is consent)."""
    return exists().where(PartnerConsent.partner_id == partner.id, PartnerConsent.member_id == Member.id,
                          PartnerConsent.given.is_(True))


def visible(partner: Partner) -> Any:
    return consented(partner) if partner.basis == Basis.CONSENT.value else True


def _order(sort: Any) -> list[Any]:
    if sort in (None, []):
        return [Member.id]
    if not isinstance(sort, list):
        raise queries.BadQuery("rjct.sort.invalid", "sort is a list of {attribute_name, sort_order}")
    order = []
    for item in sort:
        name = item.get("attribute_name") if isinstance(item, dict) else None
        direction = item.get("sort_order", "asc") if isinstance(item, dict) else None
        if name not in queries.SORTABLE or direction not in ("asc", "desc"):
            raise queries.BadQuery("rjct.sort.invalid", f"sort by one of {', '.join(queries.SORTABLE)}, asc or desc")
        column = queries.ATTRIBUTES[name].column
        order.append(column.asc() if direction == "asc" else column.desc())
    return [*order, Member.id]


def _page(raw: Any, limits: Limits) -> tuple[int, int]:
    if raw is None:
        return min(10, limits.page_size_max), 1
    size, number = (raw.get("page_size"), raw.get("page_number", 1)) if isinstance(raw, dict) else (None, None)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, number)) \
            or not 1 <= size <= limits.page_size_max or number < 1:  # type: ignore[operator]
        raise queries.BadQuery("rjct.pagination.invalid",
                               f"page_size is 1 to {limits.page_size_max}, page_number 1 or more")
    return size, number  # type: ignore[return-value]


def one(conn: Connection, partner: Partner, scopes: list[str], item: dict[str, Any], rules: Rules, today: date,
        now: datetime, limits: Limits, out: Outcome) -> dict[str, Any]:
    """The search_response item for one search_request item."""
    reference = str(item.get("reference_id") or "")
    answer: dict[str, Any] = {"reference_id": reference, "timestamp": iso(now)}
    try:
        criteria = item.get("search_criteria")
        if not reference:
            raise queries.BadQuery("rjct.reference_id.invalid", "each request needs a reference_id")
        if not isinstance(criteria, dict):
            raise queries.BadQuery("rjct.search_criteria.invalid", "search_criteria is required")
        reg_type = criteria.get("reg_type")
        if reg_type not in (None, records.REGISTRY_TYPE):
            raise queries.BadQuery("rjct.search_criteria.invalid",
                                   f"LSSO is registry {records.REGISTRY_TYPE}, not {reg_type!r}")
        record_type = criteria.get("reg_record_type")
        if record_type not in (None, records.RECORD_TYPE):
            raise queries.BadQuery("rjct.search_criteria.invalid",
                                   f"LSSO's records are of type {records.RECORD_TYPE}, not {record_type!r}")
        purpose = purpose_of(criteria, partner)
        if purpose not in partner.purpose_list:
            raise queries.BadQuery("rjct.search_criteria.invalid",
                                   f"purpose {purpose!r} is not one this partner is registered for "
                                   f"({', '.join(partner.purpose_list)})")
        out.queries.append([criteria.get("query_type"), criteria.get("query")])
        where = and_(queries.condition(criteria.get("query_type"), criteria.get("query"), today, limits.region),
                     visible(partner))
        size, number = _page(criteria.get("pagination"), limits)
        order = _order(criteria.get("sort"))
        rows = conn.execute(select(*records.COLUMNS).where(where).order_by(*order)
                            .limit(size).offset((number - 1) * size)).all()
        # A first page with room to spare holds every match (a search by identifier, nearly
        # always): no count needed.
        total = len(rows) if number == 1 and len(rows) < size else \
            conn.execute(select(func.count()).select_from(Member).where(where)).scalar_one()
        if total > limits.max_matches:
            raise queries.BadQuery("rjct.search.too_many_records_found",
                                   f"{total} members match; narrow the search to {limits.max_matches} or fewer")
    except queries.BadQuery as exc:
        return {**answer, "status": "rjct", "status_reason_code": exc.code, "status_reason_message": exc.message}
    parts = parts_allowed(purpose, scopes)
    periods = records.paid_periods(conn, [r.id for r in rows]) if parts & {"eligibility", "contributions"} else {}
    out.member_ids += [r.id for r in rows]
    out.purposes.add(purpose)
    found = [records.record(r, parts, periods.get(r.id, []), rules, today, limits.due_day) for r in rows]
    return {**answer, "status": "succ",
            "data": {"version": "1.0.0", "reg_type": records.REGISTRY_TYPE, "reg_record_type": records.RECORD_TYPE,
                     "reg_records": {"purpose": purpose, "purpose_text": PURPOSES[purpose].what, "records": found}},
            "pagination": {"page_size": size, "page_number": number, "total_count": total},
            "locale": "eng"}


def search(conn: Connection, partner: Partner, scopes: list[str], message: dict[str, Any], rules: Rules,
           today: date, now: datetime, limits: Limits, correlation_id: str) -> Outcome:
    out = Outcome(message={})
    items = message.get("search_request")
    if not isinstance(items, list) or not items or "transaction_id" not in message:
        raise queries.BadQuery("rjct.search_criteria.invalid", "the message needs transaction_id and search_request")
    seen: set[str] = set()
    responses = []
    for item in items:
        if not isinstance(item, dict):
            responses.append({"reference_id": "", "timestamp": iso(now), "status": "rjct",
                              "status_reason_code": "rjct.search_criteria.invalid",
                              "status_reason_message": "each search_request item is an object"})
            continue
        reference = str(item.get("reference_id") or "")
        if reference and reference in seen:
            responses.append({"reference_id": reference, "timestamp": iso(now), "status": "rjct",
                              "status_reason_code": "rjct.reference_id.duplicate",
                              "status_reason_message": "reference_id repeats an earlier request of this message"})
            continue
        seen.add(reference)
        responses.append(one(conn, partner, scopes, item, rules, today, now, limits, out))
    out.message = {"transaction_id": str(message["transaction_id"])[:99], "correlation_id": correlation_id,
                   "search_response": responses}
    return out
