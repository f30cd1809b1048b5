"""What the USSD actions read about applications and dues (the host's port; the engine itself
knows nothing of the voluntary scheme)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ussd_app.enrolment.dues import Dues


@dataclass(frozen=True)
class ApplicationView:
    reference: str
    status: str  # open, approved, rejected
    province: str
    created_on: date  # local date
    reason: str | None  # why it was rejected


@dataclass(frozen=True)
class Standing:
    """A voluntary member's dues, with what they quote to pay and the income they declared."""

    dues: Dues
    payment_reference: str
    income_lak: int  # in force this month
    next_income_lak: int | None  # a change that starts next month, if any


class Enrolment(Protocol):
    def latest_application(self, phone: str) -> ApplicationView | None: ...
    def open_application_for(self, id_kind: str, id_number: str) -> ApplicationView | None: ...
    def member_has_national_id(self, national_id: str) -> bool: ...
    def reserve_number(self, session_id: str) -> int: ...  # the one write: the same number for a session
    def standing(self, ssn: str) -> Standing | None: ...  # None: not a voluntary member
