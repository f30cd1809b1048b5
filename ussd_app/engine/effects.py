"""Effects: what the engine asks the host to do, as plain data with past-tense names.

The engine never writes; the web layer applies these after the session is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class Effect:
    changes_member: ClassVar[bool] = False  # the member's record changes: a copy kept in the session is stale


@dataclass(frozen=True)
class LanguageChosen(Effect):
    changes_member = True
    phone: str
    language: str
    member: str | None  # SSN when the phone is linked


@dataclass(frozen=True)
class PhoneLinked(Effect):
    changes_member = True
    member: str
    phone: str
    pin_hash: str


@dataclass(frozen=True)
class PinChanged(Effect):
    changes_member = True
    member: str
    pin_hash: str


@dataclass(frozen=True)
class PinLocked(Effect):
    changes_member = True
    member: str
    until: datetime


@dataclass(frozen=True)
class LinkAttemptFailed(Effect):
    phone: str
    blocked: bool  # this failure used up the last try


@dataclass(frozen=True)
class SmsRequested(Effect):
    """An SMS for this phone: `kind` names its template, `values` fill it (plain data)."""

    kind: str
    phone: str
    member: str | None
    language: str
    values: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ConsentAnswered(Effect):
    """A member said yes (or no, or took back a yes) to a partner seeing their record."""

    member: str
    partner_id: int
    given: bool


@dataclass(frozen=True)
class ApplicationSubmitted(Effect):
    """A worker asked to join the voluntary scheme; staff check the documents later."""

    session_id: str
    reference: str
    phone: str
    language: str
    id_kind: str
    id_number: str
    date_of_birth: str  # ISO date
    sex: str
    province: str
    district: str
    occupation: str
    income_lak: int
    full_name: str | None


@dataclass(frozen=True)
class IncomeDeclared(Effect):
    """A voluntary member's new declared income, from a month on."""

    member: str
    from_period: str
    income_lak: int


@dataclass(frozen=True)
class AnswersBySmsChosen(Effect):
    """A phone turned on or off the SMS that brings a result when the session drops on it."""

    phone: str
    enabled: bool
