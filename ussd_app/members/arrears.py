"""Whether a voluntary member is behind with contributions, and the events when that changes.

A voluntary member pays for each month by `due_day` of the next. `refresh` compares each active
voluntary member's standing with the one last recorded and emits FELL_INTO_ARREARS or PAID_AGAIN
where it changed: after a contributions import, and daily (a due day passing makes members fall
behind with no import at all). A member seen for the first time is recorded without an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ussd_app.events import bus
from ussd_app.events.models import EventKind
from ussd_app.members.models import Contribution, Member, MemberStatus, Scheme


def due_period(today: date, due_day: int) -> str:
    """The latest month whose contribution is due by today (last month's is due on `due_day`)."""
    index = today.year * 12 + today.month - 1 - (1 if today.day > due_day else 2)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def is_behind(last_paid: str | None, today: date, due_day: int) -> bool:
    return last_paid is None or last_paid < due_period(today, due_day)  # 'YYYY-MM' sorts as it reads


def refresh(session: Session, today: date, due_day: int) -> tuple[int, int]:
    """Record each active voluntary member's standing; returns (fell behind, paid again). The
    caller commits (the events go with the standing)."""
    paid = (select(Contribution.member_id, func.max(Contribution.period).label("last"))
            .where(Contribution.employee_lak + Contribution.employer_lak > 0)
            .group_by(Contribution.member_id).subquery())
    rows = session.execute(
        select(Member.id, Member.in_arrears, paid.c.last).outerjoin(paid, paid.c.member_id == Member.id)
        .where(Member.scheme == Scheme.VOLUNTARY.value, Member.status == MemberStatus.ACTIVE.value))
    fell: list[tuple[int, dict[str, Any]]] = []
    again: list[tuple[int, dict[str, Any]]] = []
    first_seen: dict[bool, list[int]] = {True: [], False: []}
    for member_id, was, last in cast(Iterable[tuple[int, bool | None, str | None]], rows):
        behind = is_behind(last, today, due_day)
        if was is None:
            first_seen[behind].append(member_id)
        elif behind and not was:
            fell.append((member_id, {"last_period_paid": last, "due": due_period(today, due_day)}))
        elif was and not behind:
            again.append((member_id, {"last_period_paid": last}))
    for behind, ids in ((True, [m for m, _ in fell] + first_seen[True]),
                        (False, [m for m, _ in again] + first_seen[False])):
        for start in range(0, len(ids), 1000):
            session.execute(update(Member).where(Member.id.in_(ids[start:start + 1000])).values(in_arrears=behind))
    bus.emit_many(session, EventKind.FELL_INTO_ARREARS, fell)
    bus.emit_many(session, EventKind.PAID_AGAIN, again)
    return len(fell), len(again)
