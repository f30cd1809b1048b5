"""Member reads for the USSD hop (the engine's `Members` port) and the writes effects need.

Reads use plain column selects, not ORM objects: a hop needs a handful of fields, fast.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ussd_app.database import utcnow
from ussd_app.engine.ports import ContributionView, MemberView
from ussd_app.members.models import Contribution, Member

_MEMBER_COLUMNS = (
    Member.ssn, Member.full_name, Member.phone, Member.date_of_birth, Member.sex, Member.scheme,
    Member.status, Member.language, Member.linked_at, Member.pin_hash, Member.pin_locked_until,
)


def _view(row) -> MemberView:  # type: ignore[no-untyped-def]
    locked = row.pin_locked_until
    if locked is not None and locked.tzinfo is None:  # SQLite returns naive datetimes (stored as UTC)
        locked = locked.replace(tzinfo=timezone.utc)
    return MemberView(
        ssn=row.ssn, full_name=row.full_name, phone=row.phone, date_of_birth=row.date_of_birth, sex=row.sex,
        scheme=row.scheme, status=row.status, language=row.language, linked=row.linked_at is not None,
        pin_hash=row.pin_hash, pin_locked_until=locked,
    )


class SqlMembers:
    """One per request: it remembers what it read, so a hop asks the database once per member."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_ssn: dict[str, MemberView | None] = {}
        self._by_phone: dict[str, MemberView | None] = {}

    # --- reads (the engine's Members port) ---
    def linked_to_phone(self, phone: str) -> MemberView | None:
        if phone not in self._by_phone:
            row = self.session.execute(
                select(*_MEMBER_COLUMNS).where(Member.phone == phone, Member.linked_at.is_not(None)).limit(1)
            ).first()
            view = _view(row) if row else None
            self._by_phone[phone] = view
            if view:
                self._by_ssn[view.ssn] = view
        return self._by_phone[phone]

    def by_ssn(self, ssn: str) -> MemberView | None:
        if ssn not in self._by_ssn:
            row = self.session.execute(select(*_MEMBER_COLUMNS).where(Member.ssn == ssn)).first()
            self._by_ssn[ssn] = _view(row) if row else None
        return self._by_ssn[ssn]

    def contributions(self, ssn: str) -> list[ContributionView]:
        rows = self.session.execute(
            select(Contribution.period, Contribution.insured_wage_lak, Contribution.employee_lak,
                   Contribution.employer_lak, Contribution.paid_on)
            .join(Member, Member.id == Contribution.member_id)
            .where(Member.ssn == ssn)
            .order_by(Contribution.period)
        ).all()
        return [ContributionView(*row) for row in rows]

    def other_member_linked_to(self, phone: str, ssn: str) -> bool:
        found = self.session.execute(
            select(Member.id).where(Member.phone == phone, Member.linked_at.is_not(None), Member.ssn != ssn).limit(1)
        ).first()
        return found is not None

    # --- writes (applied by the host for the engine's effects) ---
    def link_phone(self, ssn: str, phone: str, pin_hash: str) -> None:
        now = utcnow()
        self._update(ssn, linked_at=now, pin_hash=pin_hash, pin_changed_at=now, pin_locked_until=None)

    def set_pin(self, ssn: str, pin_hash: str) -> None:
        self._update(ssn, pin_hash=pin_hash, pin_changed_at=utcnow(), pin_locked_until=None)

    def set_language(self, ssn: str, language: str) -> None:
        self._update(ssn, language=language)

    def lock_pin(self, ssn: str, until: datetime) -> None:
        self._update(ssn, pin_locked_until=until)

    def _update(self, ssn: str, **values: object) -> None:
        self.session.execute(update(Member).where(Member.ssn == ssn).values(**values, updated_at=utcnow()))
        self._by_ssn.pop(ssn, None)
        self._by_phone.clear()
