"""Conversation tests: short scripts staff write to pin down what a menu must still do.

    (see EXAMPLE below)

Lines: `phone NUMBER` (required, first), `lang lo|en` (optional), `dial` (optional: the first
press dials anyway), `press KEY`, `pin right` / `pin wrong` (on a PIN screen: the simulation
never checks a member's real PIN), `expect TEXT` (the screen shows TEXT), `expect end` (the
session has ended), `# comments`. Run through the simulation: nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ussd_app.engine.model import Definition
from ussd_app.engine.ports import Services
from ussd_app.publishing.simulation import PinNotChecked, SimScreen, Simulation
from ussd_app.text.phones import InvalidPhone, normalise

COMMANDS = ("phone", "lang", "dial", "press", "pin", "expect")
EXAMPLE = """# a linked member sees their contributions
phone +8562055512345
expect ປກສ
press 1
expect PIN
pin right
expect ຈ່າຍແລ້ວ
"""


class ScriptError(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    line: int
    command: str
    arg: str


@dataclass(frozen=True)
class Result:
    passed: bool
    message: str  # what failed, where, and what the screen showed

    def __str__(self) -> str:
        return "passed" if self.passed else self.message


def parse(script: str) -> list[Step]:
    steps: list[Step] = []
    for n, raw in enumerate(script.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        command, _, arg = line.partition(" ")
        command = command.lower()
        if command not in COMMANDS:
            raise ScriptError(f"line {n}: unknown command {command!r} (use {', '.join(COMMANDS)})")
        if command in ("phone", "lang", "press", "expect") and not arg.strip():
            raise ScriptError(f"line {n}: {command} needs a value")
        if command == "pin" and arg.strip().lower() not in ("right", "wrong"):
            raise ScriptError(f"line {n}: write 'pin right' or 'pin wrong'")
        steps.append(Step(n, command, arg.strip()))
    if not steps or steps[0].command != "phone":
        raise ScriptError("the first line must be: phone +856…")
    try:
        normalise(steps[0].arg)
    except InvalidPhone:
        raise ScriptError(f"line {steps[0].line}: not a phone number") from None
    return steps


def run(script: str, definition: Definition, services: Callable[[], Services]) -> Result:
    try:
        steps = parse(script)
    except ScriptError as exc:
        return Result(False, f"script: {exc}")
    lang = next((s.arg for s in steps if s.command == "lang"), None)
    sim = Simulation(definition, services(), normalise(steps[0].arg), lang)
    screen: SimScreen | None = None
    for step in steps[1:]:
        if step.command == "dial":
            screen = sim.dial()
        elif step.command in ("press", "pin"):
            if screen is not None and screen.end:
                return Result(False, f"line {step.line}: cannot {step.command} {step.arg}: the session has ended")
            try:
                screen = sim.press_pin(step.arg.lower() == "right") if step.command == "pin" else sim.press(step.arg)
            except PinNotChecked:
                return Result(False, f"line {step.line}: this is a PIN screen: write 'pin right' or 'pin wrong'")
        elif step.command == "expect":
            screen = screen or sim.dial()
            if step.arg.lower() == "end":
                if not screen.end:
                    return Result(False, f"line {step.line}: expected the session to end; it goes on:\n{screen.text}")
            elif step.arg not in screen.text:
                return Result(False, f"line {step.line}: expected {step.arg!r} on screen:\n{screen.text}")
    return Result(True, "passed")
