"""Run a menu definition (a draft, or any version) through the same engine as the webhook,
without touching anything: members are read, effects are only described, the guards' counters
live in the simulation. Used by the admin simulator and by conversation tests.

A member's real PIN is never checked here (a simulator that did would be a PIN oracle with no
lockout): on a PIN screen staff choose "right PIN" or "wrong PIN" (`press_pin`), and what is
typed on any PIN screen is kept only as "••••"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ussd_app.engine import SessionState, Typed, resume
from ussd_app.engine import effects as fx
from ussd_app.engine.context import Ctx
from ussd_app.engine.model import Definition
from ussd_app.engine.navigation import pages
from ussd_app.engine.nodes.pin import PinNode
from ussd_app.engine.ports import Members, Pins, Services
from ussd_app.engine.render import BUDGET
from ussd_app.text.encoding import measure
from ussd_app.ussd.guards import MemoryGuard, UssdGuards, memory_guards


@dataclass(frozen=True)
class SimScreen:
    text: str
    end: bool
    encoding: str
    length: int
    budget: int
    pages: list[str]  # every page of the screen shown; `page` is the one on the phone
    page: int
    node: str
    effects: list[str]  # what the real service would have done


DESCRIPTIONS: dict[type[fx.Effect], str] = {
    fx.PhoneLinked: "link this phone", fx.PinChanged: "change the PIN", fx.PinLocked: "lock PIN options",
    fx.LanguageChosen: "remember the language", fx.LinkAttemptFailed: "record a failed identity check",
    fx.ConsentAnswered: "record the member's answer to a partner scheme",
    fx.ApplicationSubmitted: "save the application for staff to check the documents",
    fx.IncomeDeclared: "record the new declared income, from next month",
    fx.AnswersBySmsChosen: "remember whether this phone gets a dropped session's result by SMS",
}


def describe(effect: fx.Effect) -> str:
    """What the live service would do for this effect (an effect without words shows its type)."""
    if isinstance(effect, fx.SmsRequested):
        return f"queue an SMS ({effect.kind}, {effect.language})"
    return DESCRIPTIONS.get(type(effect), type(effect).__name__)


MEMBER_PIN = "simulated"  # stands in for a member's PIN hash, which a simulation never reads
PIN_PLACEHOLDER = "0000"  # what the engine is given when staff choose right or wrong
MASKED = "••••"


class PinNotChecked(ValueError):
    """A PIN typed where a member's real PIN would be checked: choose right or wrong instead."""


class SimulatedPins:
    """The Pins port of a simulation: PINs chosen in it are hashed and checked as usual; a
    member's own PIN is 'right' or 'wrong' as staff say, never compared."""

    def __init__(self, real: Pins) -> None:
        self.real = real
        self.verdict: bool | None = None

    def hash(self, pin: str) -> str:
        return self.real.hash(pin)

    def verify(self, stored: str | None, pin: str) -> bool:
        if stored == MEMBER_PIN:
            verdict, self.verdict = self.verdict, None
            return bool(verdict)
        return self.real.verify(stored, pin)


class SimulatedEnrolment:
    """Applications and dues read for real; the application number a real session would take is
    not taken (a simulation writes nothing): its reference shows number 0."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def reserve_number(self, session_id: str) -> int:
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class SimulatedMembers:
    """The real members, read-only, with their PIN hashes hidden."""

    def __init__(self, real: Members) -> None:
        self.real = real

    def pin_state(self, ssn: str) -> tuple[str | None, Any]:
        pin_hash, locked_until = self.real.pin_state(ssn)
        return (MEMBER_PIN if pin_hash else None), locked_until

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class Simulation:
    def __init__(self, definition: Definition, services: Services, phone: str, lang: str | None = None,
                 service_code: str = "*211#") -> None:
        self.definition = definition
        self.services = services
        if not isinstance(services.members, SimulatedMembers):
            services.members = SimulatedMembers(services.members)  # type: ignore[assignment]
        if not isinstance(services.pins, SimulatedPins):
            services.pins = SimulatedPins(services.pins)
        self.pins: SimulatedPins = services.pins  # type: ignore[assignment]
        if not isinstance(services.guards, UssdGuards) or not isinstance(services.guards.pin, MemoryGuard):
            services.guards = memory_guards(services.limits)
        self.guards: UssdGuards = services.guards
        enrolment = services.extra.get("enrolment")
        if enrolment is not None and not isinstance(enrolment, SimulatedEnrolment):
            services.extra["enrolment"] = SimulatedEnrolment(enrolment)
        member = services.members.linked_to_phone(phone)
        if lang not in definition.languages:
            lang = member.language if member and member.language in definition.languages else \
                definition.default_language
        self.state = SessionState(session_id="simulation", phone=phone, menu_version=definition.version,
                                  lang=lang, service_code=service_code, member=member.ssn if member else None)
        self.started = False

    def dial(self) -> SimScreen:
        self.started = True
        return self._step([])

    def press(self, key: str) -> SimScreen:
        if not self.started:
            self.dial()
        if self.pin_screen() == "verify" and key not in ("0", "00"):
            raise PinNotChecked("the simulator never checks a member's real PIN: choose right PIN or wrong PIN")
        return self._step([key])

    def press_pin(self, right: bool) -> SimScreen:
        """On a PIN screen: as if the member had typed the right PIN, or a wrong one."""
        if not self.started:
            self.dial()
        self.pins.verdict = right
        try:
            return self._step([PIN_PLACEHOLDER])
        finally:
            self.pins.verdict = None

    def screen(self) -> SimScreen:
        """The screen shown now, again."""
        return self._step([])

    def pin_screen(self) -> str | None:
        """The PIN node's mode (verify, choose, confirm) when the screen shown asks for a PIN."""
        node = self.definition.nodes.get(self.state.node or "")
        return getattr(node, "mode", None) if isinstance(node, PinNode) else None

    def shown_as(self, key: str) -> str:
        """How a key pressed on the current screen may be kept (in a history, a log)."""
        return MASKED if self.pin_screen() and key not in ("0", "00") else key

    def _step(self, inputs: list[str]) -> SimScreen:
        outcome = resume(self.definition, self.state, Typed(*inputs), self.services)
        self.state = outcome.state
        self.guards.settle(outcome.effects)
        screen = outcome.screen
        encoding, length = measure(screen.text)
        all_pages = pages(Ctx(self.definition, self.state, self.services))
        return SimScreen(text=screen.text, end=screen.end, encoding=encoding, length=length, budget=BUDGET[encoding],
                         pages=all_pages, page=self.state.page, node=self.state.node or "",
                         effects=[describe(e) for e in outcome.effects])

    # --- kept between web requests (the simulator page) ---
    def dump(self) -> dict[str, Any]:
        return {"state": self.state.to_dict(), "started": self.started,
                "guards": {"pin": self.guards.pin.counts, "link": self.guards.link.counts}}  # type: ignore[attr-defined]

    def load(self, raw: dict[str, Any]) -> None:
        self.state = SessionState.from_dict(raw["state"])
        self.guards.pin.counts, self.guards.link.counts = raw["guards"]["pin"], raw["guards"]["link"]  # type: ignore
        self.started = raw["started"]
