"""Writing events (in the caller's transaction) and reading them in order, per consumer.

A consumer registers the job that deals with new events; once a session that emitted events
commits, that job is queued at once (on the queue the session was built with), so a partner
hears of a linked phone in seconds rather than at the next tick of rq cron, which stays the
safety net.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ussd_app.core.database import utcnow
from ussd_app.core.extensions import JOB_QUEUE_INFO
from ussd_app.events.models import ConsumerPosition, DomainEvent, EventKind, HandledEvent

log = logging.getLogger(__name__)

_EMITTED = "lsso_events_emitted"
_CONSUMER_JOBS: list[str] = []
SETTLE = timedelta(hours=1)  # longer than any transaction that writes events


def add_consumer(job: str) -> None:
    """`job` (an import path taking no arguments) is queued whenever new events are committed."""
    if job not in _CONSUMER_JOBS:
        _CONSUMER_JOBS.append(job)


def emit(session: Session, kind: EventKind, member_id: int | None, at: datetime | None = None,
         **data: Any) -> None:
    """Record an event with the change it describes: the caller's commit writes both, or neither."""
    emit_many(session, kind, [(member_id, data)], at)


def emit_many(session: Session, kind: EventKind, items: Iterable[tuple[int | None, dict[str, Any]]],
              at: datetime | None = None) -> int:
    """Many events of one kind in one statement (an import); returns how many."""
    when = at or utcnow()
    rows = [{"kind": kind.value, "member_id": member_id, "data": data, "at": when} for member_id, data in items]
    if rows:
        session.execute(insert(DomainEvent), rows)
        session.info[_EMITTED] = True
    return len(rows)


def pending(session: Session, consumer: str, limit: int = 500) -> tuple[ConsumerPosition, list[DomainEvent]]:
    """The consumer's position (locked until the caller commits: one dispatcher at a time) and
    the events it has not dealt with, oldest first."""
    _lock_position(session, consumer)
    position = session.execute(select(ConsumerPosition).where(ConsumerPosition.consumer == consumer)).scalar_one()
    handled = select(HandledEvent.event_id).where(HandledEvent.consumer == consumer)
    events = list(session.execute(select(DomainEvent).where(DomainEvent.id > position.last_event_id,
                                                            DomainEvent.id.not_in(handled))
                                  .order_by(DomainEvent.id).limit(limit)).scalars())
    return position, events


def _lock_position(session: Session, consumer: str) -> None:
    """Lock the consumer's row by writing it before reading anything. SELECT … FOR UPDATE would
    do on PostgreSQL, but SQLite ignores it: two dispatchers of `make run` then read the same
    events and the second failed on the first's handled rows. A write takes the row's lock on
    PostgreSQL and the database's write lock on SQLite, so the second waits, then reads what
    the first committed."""
    touch = update(ConsumerPosition).where(ConsumerPosition.consumer == consumer).values(
        last_event_id=ConsumerPosition.last_event_id)
    if session.execute(touch).rowcount:  # type: ignore[attr-defined]
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(ConsumerPosition).values(consumer=consumer, last_event_id=0)
                    .on_conflict_do_nothing())
    session.execute(touch)


def handled(session: Session, position: ConsumerPosition, events: list[DomainEvent], now: datetime) -> None:
    """Mark these events dealt with, in the caller's transaction. The position moves past events
    older than SETTLE: by then any transaction that took an earlier id has committed or died."""
    if not events:
        return
    session.execute(insert(HandledEvent), [{"consumer": position.consumer, "event_id": e.id} for e in events])
    settled = session.execute(select(func.max(HandledEvent.event_id)).join(DomainEvent)
                              .where(HandledEvent.consumer == position.consumer,
                                     DomainEvent.at < now - SETTLE)).scalar()
    if settled is not None and settled > position.last_event_id:
        unhandled_before = session.execute(
            select(func.min(DomainEvent.id)).where(DomainEvent.id > position.last_event_id,
                                                   DomainEvent.id <= settled,
                                                   DomainEvent.id.not_in(select(HandledEvent.event_id).where(
                                                       HandledEvent.consumer == position.consumer)))).scalar()
        position.last_event_id = settled if unhandled_before is None else unhandled_before - 1
        session.execute(delete(HandledEvent).where(HandledEvent.consumer == position.consumer,
                                                   HandledEvent.event_id <= position.last_event_id))


@event.listens_for(Session, "after_commit")
def _wake_consumers(session: Session) -> None:
    if not session.info.pop(_EMITTED, False):
        return
    queue = session.info.get(JOB_QUEUE_INFO)
    if queue is None:
        return  # rq cron's tick deals with them
    for job in _CONSUMER_JOBS:
        try:
            queue.enqueue(job)
        except Exception:  # noqa: BLE001 - the events are safe in the table; the tick finds them
            log.warning("could not queue %s now; its next tick will deal with the new events", job)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_EMITTED, None)
