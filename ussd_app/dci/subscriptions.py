"""Subscriptions: a partner names an event type and a filter (the query forms of a search); when
such an event happens to a member the filter matches, it is notified (ussd_app/dci/notify.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select, true, update
from sqlalchemy.orm import Session

from ussd_app.dci import queries, records
from ussd_app.dci.envelope import iso
from ussd_app.dci.models import Partner, Subscription
from ussd_app.dci.search import purpose_of
from ussd_app.events.models import EventKind

EVENT_PREFIX = "lsso:RegistryEventType:"
EVENT_TYPES = {f"{EVENT_PREFIX}{kind.value}": kind for kind in EventKind}


def matching(filter_: dict[str, Any], today: date, region: str) -> ColumnElement[bool]:
    """The members a subscription's filter takes in: all of them when it has none."""
    if filter_.get("query") in (None, [], {}):
        return true()
    return queries.condition(filter_.get("type"), filter_.get("query"), today, region)


def subscribe(session: Session, partner: Partner, message: dict[str, Any], today: date, now: datetime,
              region: str, correlation_id: str) -> dict[str, Any]:
    """The SubscribeResponse for a SubscribeRequest. Caller commits."""
    items = message.get("subscribe_request")
    if not isinstance(items, list) or not items:
        raise queries.BadQuery("rjct.search_criteria.invalid", "the message needs subscribe_request")
    answers = []
    for item in items:
        reference = str(item.get("reference_id") or "") if isinstance(item, dict) else ""
        answer: dict[str, Any] = {"reference_id": reference, "timestamp": iso(now)}
        try:
            criteria = item.get("subscribe_criteria") if isinstance(item, dict) else None
            if not isinstance(criteria, dict):
                raise queries.BadQuery("rjct.notify_details.invalid", "subscribe_criteria is required")
            event_type = criteria.get("reg_event_type")
            if event_type not in EVENT_TYPES:
                raise queries.BadQuery("rjct.notify_types.invalid",
                                       f"event types are {', '.join(EVENT_TYPES)}, not {event_type!r}")
            if criteria.get("notify_record_type", records.RECORD_TYPE) != records.RECORD_TYPE:
                raise queries.BadQuery("rjct.notify_details.invalid", f"records are of type {records.RECORD_TYPE}")
            purpose = purpose_of(criteria, partner)
            if purpose not in partner.purpose_list:
                raise queries.BadQuery("rjct.notify_details.invalid",
                                       f"purpose {purpose!r} is not one this partner may use")
            filter_type = criteria.get("filter_type", "predicate")
            matching({"type": filter_type, "query": criteria.get("filter")}, today, region)  # refused now, not later
        except queries.BadQuery as exc:
            # A filter that does not read is a detail of the notification asked for.
            code = exc.code if exc.code in ("rjct.notify_types.invalid", "rjct.notify_details.invalid") \
                else "rjct.notify_details.invalid"
            answers.append({**answer, "status": "rjct", "status_reason_code": code,
                            "status_reason_message": exc.message})
            continue
        subscription = Subscription(code=uuid.uuid4().hex, partner_id=partner.id, event_type=event_type, created_at=now,
                                    filter={"type": filter_type, "query": criteria.get("filter")}, purpose=purpose)
        session.add(subscription)
        # SubscriptionInfo's properties name the code `code`, its required list `subscription_code`
        # (with `subscribe_criteria`): both are given, so either reading of the spec finds them.
        described = {"version": "1.0.0", "code": subscription.code, "subscription_code": subscription.code,
                     "status": "subscribe", "timestamp": iso(now), "reg_type": records.REGISTRY_TYPE,
                     "reg_event_type": event_type, "notify_record_type": records.RECORD_TYPE,
                     "subscribe_criteria": criteria}
        if criteria.get("filter") is not None:
            described.update(filter_type=filter_type, filter=criteria["filter"])
        answers.append({**answer, "status": "succ", "subscriptions": [described]})
    return {"transaction_id": str(message.get("transaction_id", ""))[:99], "correlation_id": correlation_id,
            "subscribe_response": answers}


def unsubscribe(session: Session, partner: Partner, message: dict[str, Any], now: datetime,
                correlation_id: str) -> dict[str, Any]:
    """The UnSubscribeResponse. Codes of other partners are answered as unknown. Caller commits."""
    codes = message.get("subscription_codes") or message.get("sunscription_codes")  # the spec's own typo
    if not isinstance(codes, list) or not codes:
        raise queries.BadQuery("rjct.search_criteria.invalid", "the message needs subscription_codes")
    mine = set(session.execute(select(Subscription.code).where(Subscription.partner_id == partner.id,
                                                                Subscription.code.in_([str(c) for c in codes]))
                               ).scalars())
    session.execute(update(Subscription).where(Subscription.partner_id == partner.id, Subscription.code.in_(mine),
                                               Subscription.active.is_(True))
                    .values(active=False, ended_at=now))
    unknown = [str(c) for c in codes if str(c) not in mine]
    answer: dict[str, Any] = {
        "transaction_id": str(message.get("transaction_id", ""))[:99], "correlation_id": correlation_id,
        "timestamp": iso(now), "status": "rjct" if unknown and not mine else "succ",
        "subscription_status": [{"code": code, "status": "unsubscribe"} for code in sorted(mine)],
    }
    if unknown:
        answer["status_reason_code"] = "rjct.subscription_code.invalid"
        answer["status_reason_message"] = f"unknown subscription codes: {', '.join(unknown)}"
    return answer
