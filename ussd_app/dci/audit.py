"""Every partner call is recorded before it is answered, and a message_id taken once.

The Access row is written first, in its own transaction: its unique (partner, message_id) key is
what refuses a repeated message, so two copies of one message racing each other cannot both pass.
What was searched is kept only as a keyed hash: the log says who asked how often, not for whom
(the records returned are listed per member, for the member's own "who looked at me").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ussd_app.dci.models import Access, Partner, RecordSeen

_ACCESS = cast(Table, Access.__table__)
_SEEN = cast(Table, RecordSeen.__table__)


class DuplicateMessage(Exception):
    pass


@dataclass
class Summary:
    """What a call gave out, for the log: members returned, purposes, what was asked."""

    member_ids: list[int] = field(default_factory=list)
    purposes: set[str] = field(default_factory=set)
    queries: list[Any] = field(default_factory=list)


def identifiers_hash(key: bytes, asked: Any) -> str:
    return hmac.new(key, json.dumps(asked, sort_keys=True, default=str).encode(), hashlib.sha256).hexdigest()


def claim(session: Session, partner: Partner, message_id: str, transaction_id: str, action: str,
          now: datetime) -> Access:
    """The Access row of this message; DuplicateMessage if the partner sent this message_id before."""
    access = Access(partner_id=partner.id, message_id=message_id[:100], transaction_id=transaction_id[:100],
                    action=action, at=now, outcome="rcvd")
    session.add(access)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise DuplicateMessage(message_id) from None
    return access


def record_answered(session: Session, partner_id: int, message_id: str, transaction_id: str, action: str,
                    now: datetime, *, outcome: str, purposes: set[str] | None = None,
                    member_ids: list[int] | None = None, asked_hash: str = "") -> None:
    """A sync call, answered: its Access row and the records it gave out, in one commit, before
    the answer leaves. DuplicateMessage if the partner sent this message_id before (a copy sent
    at the same moment loses here, and its answer is never released)."""
    members = list(dict.fromkeys(member_ids or []))
    row = {"partner_id": partner_id, "message_id": message_id[:100], "transaction_id": transaction_id[:100],
           "action": action, "at": now, "outcome": outcome[:60], "purpose": ",".join(sorted(purposes or ()))[:60],
           "records_returned": len(members), "identifiers_hash": asked_hash}
    conn = session.connection()  # Core on the tables: no ORM unit of work for two plain inserts
    try:
        access_id: int = conn.execute(insert(_ACCESS).values(row).returning(_ACCESS.c.id)).scalar_one()
        if members:
            conn.execute(insert(_SEEN), [{"access_id": access_id, "partner_id": partner_id, "member_id": m,
                                          "at": now} for m in members])
        session.commit()
    except IntegrityError:
        session.rollback()
        raise DuplicateMessage(message_id) from None


def finish(session: Session, access_id: int, partner_id: int, *, outcome: str, purposes: set[str] | None = None,
           member_ids: list[int] | None = None, asked_hash: str = "", now: datetime) -> None:
    members = member_ids or []
    session.execute(update(Access).where(Access.id == access_id).values(
        outcome=outcome[:60], purpose=",".join(sorted(purposes or ()))[:60], records_returned=len(members),
        identifiers_hash=asked_hash))
    session.add_all(RecordSeen(access_id=access_id, partner_id=partner_id, member_id=m, at=now)
                    for m in dict.fromkeys(members))
    session.commit()


def seen_by(session: Session, member_id: int, now: datetime, days: int = 90) -> list[tuple[str, datetime]]:
    """(partner name, last time) for each partner that received this member's record lately."""
    rows = session.execute(
        select(Partner.name, RecordSeen.at).join(Partner, Partner.id == RecordSeen.partner_id)
        .where(RecordSeen.member_id == member_id, RecordSeen.at >= now - timedelta(days=days))
        .order_by(RecordSeen.at.desc())
    ).all()
    latest: dict[str, datetime] = {}
    for name, at in rows:
        latest.setdefault(name, at)
    return list(latest.items())
