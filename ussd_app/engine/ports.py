"""Ports the engine and the action handlers use, all read-only but Guards. The host provides implementations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class MemberView:
    ssn: str
    full_name: str
    phone: str | None
    date_of_birth: date
    sex: str
    scheme: str
    status: str
    language: str
    linked: bool
    pin_locked_until: datetime | None  # as last read; a PIN check reads it again (pin_state)
    has_pin: bool = True  # False: linked by staff (an approved application), the PIN is chosen on the next dial


@dataclass(frozen=True)
class ContributionView:
    period: str  # YYYY-MM
    insured_wage_lak: int
    employee_lak: int
    employer_lak: int
    paid_on: date | None

    @property
    def total_lak(self) -> int:
        return self.employee_lak + self.employer_lak


@dataclass(frozen=True)
class ContributionSummary:
    months: int  # distinct months with a payment
    last_period: str | None  # YYYY-MM
    total_lak: int  # employee and employer shares
    own_lak: int  # the member's own (employee) share


class Members(Protocol):
    def linked_to_phone(self, phone: str) -> MemberView | None: ...
    def by_ssn(self, ssn: str) -> MemberView | None: ...
    def pin_state(self, ssn: str) -> tuple[str | None, datetime | None]: ...  # (PIN hash, locked until), fresh
    def contributions(self, ssn: str) -> list[ContributionView]: ...
    def contribution_summary(self, ssn: str) -> ContributionSummary: ...
    def other_member_linked_to(self, phone: str, ssn: str) -> bool: ...


class Pins(Protocol):
    def hash(self, pin: str) -> str: ...
    def verify(self, stored: str | None, pin: str) -> bool: ...


@dataclass(frozen=True)
class Try:
    """A guard's answer to one try, counted before it is checked."""

    allowed: bool  # False: locked, the verdict may not be told
    tries_left: int = 0  # tries left if this one fails (0: its failure starts a lock)
    lock_seconds: int = 0  # refused: how long the lock lasts still; allowed: how long a failure would lock


class Guards(Protocol):
    """Tries kept outside the session, so a new session resets nothing. The one port that writes:
    the engine compares first and keeps the verdict to itself; the guard counts and judges in
    one atomic step and says whether the verdict may be told (refused while locked), so
    parallel sessions get no more verdicts than the limit."""

    def pin_check(self, member: str, right: bool) -> Try: ...
    def link_check(self, phone: str, ssn: str, matched: bool) -> Try: ...
    def link_blocked(self, phone: str) -> bool: ...


@dataclass(frozen=True)
class SharingPartner:
    """A partner scheme that may see a member's record only with their yes."""

    id: int
    label: dict[str, str]  # by language
    given: bool | None  # the member's answer so far; None: never asked


@dataclass(frozen=True)
class RecordViewer:
    label: dict[str, str]
    last_seen: date  # local date


class Sharing(Protocol):
    """Partners and the member's record: who asks for consent, who looked."""

    def consent_partners(self, ssn: str) -> list[SharingPartner]: ...
    def viewers(self, ssn: str, days: int) -> list[RecordViewer]: ...  # latest first


class PhoneSettings(Protocol):
    """What a phone chose for itself."""

    def answers_by_sms(self, phone: str) -> bool | None: ...  # None: never chosen (on for a linked phone)


@dataclass(frozen=True)
class Limits:
    pin_max_tries: int = 3
    pin_lock_minutes: int = 30
    link_max_tries: int = 3
    link_lock_hours: int = 24
    pin_daily_max_tries: int = 10
    pin_daily_lock_hours: int = 24


class Clock(Protocol):
    def now(self) -> datetime: ...  # aware, UTC
    def today(self) -> date: ...  # local date (Asia/Vientiane)


@dataclass
class Services:
    members: Members
    pins: Pins
    guards: Guards
    clock: Clock
    limits: Limits
    extra: dict[str, Any]  # named ports for action handlers (eligibility rules, scheme figures …)
