"""The events table and each consumer's position in it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class EventKind(StrEnum):
    REGISTERED = "registered"  # a new member (an import, or the voluntary scheme)
    ENROLLED = "enrolled"  # joined the voluntary scheme
    STATUS_CHANGED = "status_changed"  # active / suspended / retired / deceased
    PHONE_LINKED = "phone_linked"
    FELL_INTO_ARREARS = "fell_into_arrears"  # a voluntary member's contribution is now overdue
    PAID_AGAIN = "paid_again"  # … and is up to date again


class DomainEvent(Base):
    __tablename__ = "domain_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsumerPosition(Base):
    """Every event up to `last_event_id` a consumer has dealt with; those after it that it dealt
    with already are in HandledEvent (ids are given out before commit, so an event may appear
    after a later one: a position alone would skip it)."""

    __tablename__ = "event_positions"

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


class HandledEvent(Base):
    __tablename__ = "event_handled"

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("domain_events.id", ondelete="CASCADE"), primary_key=True)
