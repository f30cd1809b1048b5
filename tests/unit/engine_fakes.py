"""In-memory ports for driving the pure engine without Flask, Redis or a database."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from tests.demo_people import FROZEN_NOW
from ussd_app.core.clock import FixedClock
from ussd_app.engine import effects as fx
from ussd_app.engine.ports import ContributionSummary, ContributionView, Limits, MemberView, Services
from ussd_app.members.pins import PinHasher
from ussd_app.ussd.guards import UssdGuards, memory_guards

NOW = FROZEN_NOW
PINS = PinHasher("unit-test-pepper")


def member(ssn: str = "1000001", phone: str = "+8562055512345", **kw: object) -> MemberView:
    base = dict(ssn=ssn, full_name="ສົມໃຈ ພົມມະວົງ", phone=phone, date_of_birth=date(1980, 5, 1), sex="F",
                scheme="enterprise", status="active", language="lo", linked=True, pin_locked_until=None)
    base.update(kw)
    return MemberView(**base)  # type: ignore[arg-type]



@dataclass
class FakeMembers:
    members: dict[str, MemberView] = field(default_factory=dict)
    history: dict[str, list[ContributionView]] = field(default_factory=dict)
    pins: dict[str, str] = field(default_factory=dict)  # PIN hash per member (default: the hash of 2580)

    def linked_to_phone(self, phone: str) -> MemberView | None:
        return next((m for m in self.members.values() if m.phone == phone and m.linked), None)

    def by_ssn(self, ssn: str) -> MemberView | None:
        return self.members.get(ssn)

    def pin_state(self, ssn: str) -> tuple[str | None, datetime | None]:
        found = self.members.get(ssn)
        if found is None:
            return None, None
        return self.pins.get(ssn, PINS.hash("2580")), found.pin_locked_until

    def contribution_summary(self, ssn: str) -> ContributionSummary:
        paid = [c for c in self.history.get(ssn, []) if c.total_lak > 0]
        periods = {c.period for c in paid}
        return ContributionSummary(len(periods), max(periods) if periods else None,
                                   sum(c.total_lak for c in paid), sum(c.employee_lak for c in paid))

    def contributions(self, ssn: str) -> list[ContributionView]:
        return self.history.get(ssn, [])

    def other_member_linked_to(self, phone: str, ssn: str) -> bool:
        return any(m.phone == phone and m.linked and m.ssn != ssn for m in self.members.values())


def fake_guards() -> UssdGuards:
    """The simulation's in-memory guards serve the engine tests too."""
    return memory_guards(Limits(), clock=lambda: NOW.timestamp())


def services(members: FakeMembers | None = None, guards: UssdGuards | None = None, **extra: object) -> Services:
    return Services(members=members or FakeMembers(), pins=PINS, guards=guards or fake_guards(),
                    clock=FixedClock(NOW), limits=Limits(), extra=dict(extra))


def apply(effects: list[fx.Effect], members: FakeMembers, guards: UssdGuards) -> None:
    """What the host would do, in memory."""
    guards.settle(effects)
    for e in effects:
        if isinstance(e, fx.PinChanged):
            members.pins[e.member] = e.pin_hash
        elif isinstance(e, fx.PinLocked):
            members.members[e.member] = replace(members.members[e.member], pin_locked_until=e.until)
        elif isinstance(e, fx.PhoneLinked):
            members.members[e.member] = replace(members.members[e.member], linked=True)
            members.pins[e.member] = e.pin_hash
