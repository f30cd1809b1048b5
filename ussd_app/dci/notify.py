"""From domain events to partners' /registry/notify: the partner API's consumer of the event bus.

For each event not dealt with yet: every active subscription to its type whose filter holds for
the member (and, for a consent partner, whose member said yes) is owed one notification, keyed
(subscription, event), carrying the member's record as that subscription's purpose allows. The
events are marked dealt with in the same transaction as the notifications are owed: a dispatcher
that dies leaves both undone, and the next one does both.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ussd_app.dci import audit, callbacks, queries, records
from ussd_app.dci.api import Dci
from ussd_app.dci.envelope import callback_header, iso
from ussd_app.dci.models import Access, Partner, RecordSeen, Subscription
from ussd_app.dci.purposes import parts_allowed
from ussd_app.dci.search import visible
from ussd_app.dci.subscriptions import EVENT_PREFIX, matching
from ussd_app.events import bus
from ussd_app.events.models import DomainEvent
from ussd_app.members.models import Member

CONSUMER = "dci-notify"
BATCH = 500


def _notification(dci: Dci, session: Session, sub: Subscription, partner: Partner, event: DomainEvent,
                  now: datetime) -> dict[str, Any] | None:
    rt = dci.rt
    today = rt.clock.today()
    try:
        matches = matching(sub.filter, today, dci.limits.region)
    except queries.BadQuery:
        return None  # checked when it subscribed; the attributes may have changed since
    row = session.execute(select(*records.COLUMNS).where(and_(Member.id == event.member_id, matches,
                                                              visible(partner)))).first()
    if row is None:
        return None
    parts = parts_allowed(sub.purpose, partner.scope_list)
    periods = records.paid_periods(session.connection(), [row.id]) if parts & {"eligibility", "contributions"} \
        else {}
    record = records.record(row, parts, periods.get(row.id, []), rt.rules, today, dci.limits.due_day)
    message = {"transaction_id": sub.code, "notify_event": [{
        "reference_id": f"{sub.code}-{event.id}", "timestamp": iso(event.at),
        "data": {"version": "1.0.0", "reg_type": records.REGISTRY_TYPE, "reg_record_type": records.RECORD_TYPE,
                 "reg_records": {"event": f"{EVENT_PREFIX}{event.kind}", "subscription_code": sub.code,
                                 "purpose": sub.purpose, "records": [record]}},
        "locale": "eng"}]}
    header = callback_header("notify", "succ", now, dci.sender_id, partner.name, total=1, completed=1)
    return {"header": header, "message": message}


def dispatch(dci: Dci, session: Session, now: datetime, batch: int = BATCH) -> tuple[list[int], bool]:
    """Owe the notifications of a batch of the events not dealt with yet. Returns the new
    callbacks' ids, and whether more events wait. Commits."""
    position, events = bus.pending(session, CONSUMER, batch)
    subscribed: dict[str, list[Subscription]] = defaultdict(list)
    for sub in session.execute(select(Subscription).where(Subscription.active.is_(True))).scalars():
        subscribed[sub.event_type].append(sub)
    owed: list[int] = []
    for event in events:
        for sub in subscribed.get(f"{EVENT_PREFIX}{event.kind}", []):
            partner = session.get(Partner, sub.partner_id)
            if partner is None or not partner.active or not partner.callback_url or event.member_id is None:
                continue
            body = _notification(dci, session, sub, partner, event, now)
            if body is None:
                continue
            callback_id = callbacks.owe(session, f"notify:{sub.id}:{event.id}", partner.id,
                                        f"{partner.callback_url.rstrip('/')}/registry/notify", "notify", body, now)
            if callback_id is None:
                continue
            owed.append(callback_id)
            access = Access(partner_id=partner.id, message_id=body["header"]["message_id"], transaction_id=sub.code,
                            action="notify", purpose=sub.purpose, records_returned=1, outcome="succ", at=now,
                            identifiers_hash=audit.identifiers_hash(dci.audit_key, [sub.code, event.id]))
            session.add(access)
            session.flush()
            session.add(RecordSeen(access_id=access.id, partner_id=partner.id, member_id=event.member_id, at=now))
    bus.handled(session, position, events, now)
    session.commit()
    return owed, len(events) == batch
