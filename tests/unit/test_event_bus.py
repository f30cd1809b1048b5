"""The event bus under consumers that run at once: the in-process queue of `make run` runs two
jobs side by side, and production runs workers on several machines. Each event must be dealt
with exactly once, and no dispatcher may fail on another's work."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from ussd_app.core.database import utcnow
from ussd_app.core.extensions import clients
from ussd_app.events import bus
from ussd_app.events.models import DomainEvent, EventKind
from ussd_app.members.models import Member

pytestmark = pytest.mark.both_databases

CONSUMERS = 4


def _consume(app, consumer: str, start: threading.Barrier, seen: list[int], errors: list[BaseException]) -> None:  # type: ignore[no-untyped-def]
    start.wait()
    try:
        while True:
            with clients(app).sessions() as session:
                position, events = bus.pending(session, consumer, limit=3)
                seen.extend(e.id for e in events)
                bus.handled(session, position, events, utcnow())
                session.commit()
            if not events:
                return
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def test_consumers_running_at_once_deal_with_each_event_exactly_once(app):
    with clients(app).sessions() as session:
        member_id = session.execute(select(Member.id).limit(1)).scalar_one()
        before = set(session.execute(select(DomainEvent.id)).scalars())
        bus.emit_many(session, EventKind.PHONE_LINKED, [(member_id, {"n": n}) for n in range(20)])
        session.commit()
        emitted = set(session.execute(select(DomainEvent.id)).scalars()) - before
    start = threading.Barrier(CONSUMERS)
    seen: list[int] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_consume, args=(app, "test-consumer", start, seen, errors))
               for _ in range(CONSUMERS)]  # a consumer new to the bus: its position row is made by the race
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    counts = Counter(seen)
    assert set(counts) >= emitted
    assert [event_id for event_id, n in counts.items() if n > 1] == []
