"""Everything a node or handler may look at during one hop, and the effects it collects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ussd_app.engine.actions import ActionResult, ActionSpec
from ussd_app.engine.effects import Effect
from ussd_app.engine.model import Definition
from ussd_app.engine.ports import MemberView, Services
from ussd_app.engine.state import SessionState
from ussd_app.engine.text import fill

_UNSET: Any = object()


@dataclass
class Ctx:
    definition: Definition
    state: SessionState
    services: Services
    effects: list[Effect] = field(default_factory=list)
    _member: Any = _UNSET
    _now: datetime | None = None

    @property
    def lang(self) -> str:
        return self.state.lang

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = self.services.clock.now()
        return self._now

    @property
    def today(self) -> date:
        return self.services.clock.today()

    def member(self) -> MemberView | None:
        """The member linked to this phone, looked up once per hop."""
        if self._member is _UNSET:
            members = self.services.members
            if self.state.member:
                self._member = members.by_ssn(self.state.member)
            else:
                self._member = members.linked_to_phone(self.state.phone)
                if self._member is not None:
                    self.state.member = self._member.ssn
        found: MemberView | None = self._member
        return found

    def run_action(self, spec: ActionSpec, args: dict[str, Any]) -> ActionResult:
        return spec(self, args)

    def pending(self, effect_type: type[Effect], **match: Any) -> int:
        """Effects of this type already emitted in this hop (not yet applied by the host).

        Counters read from the ports do not see them yet: a hop may carry several inputs (a dial
        string, or AT's history), and each wrong PIN in it must count."""
        return sum(1 for e in self.effects
                   if isinstance(e, effect_type) and all(getattr(e, k) == v for k, v in match.items()))

    def forget_member(self) -> None:
        self._member = _UNSET

    def base_values(self) -> dict[str, Any]:
        limits = self.services.limits
        return {
            "service_code": self.state.service_code or "*",
            "link_lock_hours": limits.link_lock_hours,
            "pin_lock_minutes": limits.pin_lock_minutes,
        }

    def text(self, text: dict[str, str] | None, values: dict[str, Any] | None = None) -> str:
        if not text:
            return ""
        merged = {**self.base_values(), **(values or {})}
        return fill(text[self.lang], merged, self.lang)

    def message(self, key: str, **values: Any) -> str:
        return self.text(self.definition.messages[key], values)
