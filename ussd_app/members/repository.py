"""Member reads for the USSD hop (the engine's `Members` port) and the writes effects need.

Reads are Core selects of a few columns on the unit's autocommit connection, not ORM objects: a
hop needs a handful of fields, fast. A session may hand in the member it already read (`known`), so
later hops of a session do not ask the database again; the PIN hash and lock are always read
fresh (`pin_state`), at the moment a PIN is checked.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import bindparam, func, select, update

from ussd_app.core.database import utcnow
from ussd_app.core.extensions import Unit
from ussd_app.engine.ports import ContributionSummary, ContributionView, MemberView
from ussd_app.members.models import Contribution, Member

_VIEW_COLUMNS = (
    Member.ssn, Member.full_name, Member.phone, Member.date_of_birth, Member.sex, Member.scheme,
    Member.status, Member.language, Member.linked_at, Member.pin_locked_until,
    Member.pin_hash.is_not(None).label("has_pin"),
)


# Built once: constructing a statement costs more than running it from the compiled cache.
_LINKED_TO_PHONE = (select(*_VIEW_COLUMNS)
                    .where(Member.phone == bindparam("phone"), Member.linked_at.is_not(None)).limit(1))
_BY_SSN = select(*_VIEW_COLUMNS).where(Member.ssn == bindparam("ssn"))
_MEMBER_ID = select(Member.id).where(Member.ssn == bindparam("ssn"))
_PIN_STATE = select(Member.pin_hash, Member.pin_locked_until).where(Member.ssn == bindparam("ssn"))
_CONTRIBUTIONS = (
    select(Contribution.period, Contribution.insured_wage_lak, Contribution.employee_lak,
           Contribution.employer_lak, Contribution.paid_on)
    .join(Member, Member.id == Contribution.member_id)
    .where(Member.ssn == bindparam("ssn"))
    .order_by(Contribution.period)
)
_PAID = Contribution.employee_lak + Contribution.employer_lak
_SUMMARY = (
    select(func.count(func.distinct(Contribution.period)).label("months"),
           func.max(Contribution.period).label("last_period"),
           func.sum(_PAID).label("total"), func.sum(Contribution.employee_lak).label("own"))
    .join(Member, Member.id == Contribution.member_id)
    .where(Member.ssn == bindparam("ssn"), _PAID > 0)
)


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were stored as UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _view(row: Any) -> MemberView:
    return MemberView(
        ssn=row.ssn, full_name=row.full_name, phone=row.phone, date_of_birth=row.date_of_birth, sex=row.sex,
        scheme=row.scheme, status=row.status, language=row.language, linked=row.linked_at is not None,
        pin_locked_until=_utc(row.pin_locked_until), has_pin=bool(row.has_pin),
    )


def view_to_dict(view: MemberView) -> dict[str, Any]:
    """For keeping a member in the USSD session (never with its PIN hash)."""
    return {"ssn": view.ssn, "full_name": view.full_name, "phone": view.phone,
            "date_of_birth": view.date_of_birth.isoformat(), "sex": view.sex, "scheme": view.scheme,
            "status": view.status, "language": view.language, "linked": view.linked,
            "pin_locked_until": view.pin_locked_until.isoformat() if view.pin_locked_until else None,
            "has_pin": view.has_pin}


def view_from_dict(raw: dict[str, Any]) -> MemberView:
    locked = raw.get("pin_locked_until")
    return MemberView(
        ssn=raw["ssn"], full_name=raw["full_name"], phone=raw["phone"],
        date_of_birth=date.fromisoformat(raw["date_of_birth"]), sex=raw["sex"], scheme=raw["scheme"],
        status=raw["status"], language=raw["language"], linked=raw["linked"],
        pin_locked_until=datetime.fromisoformat(locked) if locked else None, has_pin=raw.get("has_pin", True),
    )


class SqlMembers:
    """One per hop or request: it remembers what it read, so a hop asks the database once per member."""

    def __init__(self, unit: Unit, known: list[MemberView] | None = None) -> None:
        self.unit = unit
        self._by_ssn: dict[str, MemberView | None] = {}
        self._by_phone: dict[str, MemberView | None] = {}
        for view in known or []:
            self._remember(view)

    def _remember(self, view: MemberView) -> None:
        self._by_ssn[view.ssn] = view
        if view.linked and view.phone:
            self._by_phone[view.phone] = view

    def _rows(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        return self.unit.reads.execute(statement, params)

    # --- reads (the engine's Members port) ---
    def linked_to_phone(self, phone: str) -> MemberView | None:
        if phone not in self._by_phone:
            row = self._rows(_LINKED_TO_PHONE, {"phone": phone}).first()
            self._by_phone[phone] = _view(row) if row else None
            if row:
                self._remember(self._by_phone[phone])  # type: ignore[arg-type]
        return self._by_phone[phone]

    def by_ssn(self, ssn: str) -> MemberView | None:
        if ssn not in self._by_ssn:
            row = self._rows(_BY_SSN, {"ssn": ssn}).first()
            self._by_ssn[ssn] = _view(row) if row else None
        return self._by_ssn[ssn]

    def member_id(self, ssn: str) -> int | None:
        return self._rows(_MEMBER_ID, {"ssn": ssn}).scalar()

    def peek(self, ssn: str) -> MemberView | None:
        """The member if this request already read it; never a query."""
        return self._by_ssn.get(ssn)

    def pin_state(self, ssn: str) -> tuple[str | None, datetime | None]:
        """(PIN hash, locked until), read now: never from a snapshot."""
        row = self._rows(_PIN_STATE, {"ssn": ssn}).first()
        return (row.pin_hash, _utc(row.pin_locked_until)) if row else (None, None)

    def contributions(self, ssn: str) -> list[ContributionView]:
        return [ContributionView(*row) for row in self._rows(_CONTRIBUTIONS, {"ssn": ssn}).all()]

    def contribution_summary(self, ssn: str) -> ContributionSummary:
        row = self._rows(_SUMMARY, {"ssn": ssn}).first()
        return ContributionSummary(months=row.months or 0, last_period=row.last_period,
                                   total_lak=int(row.total or 0), own_lak=int(row.own or 0))

    def other_member_linked_to(self, phone: str, ssn: str) -> bool:
        found = self._rows(
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
        self.unit.session.execute(update(Member).where(Member.ssn == ssn).values(**values, updated_at=utcnow()))
        self._by_ssn.pop(ssn, None)
        self._by_phone.clear()
