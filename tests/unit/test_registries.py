"""Every registered thing has what it needs (goflow's registry tests): each node kind a fixture
that loads and runs, each effect a handler in the web hop and a description in the simulator."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.engine_fakes import FakeMembers, fake_guards, member, services
from ussd_app.engine import SessionState, Typed, effects, resume
from ussd_app.engine.actions import ActionResult, Actions, action
from ussd_app.engine.loader import parse_definition
from ussd_app.engine.nodes import KINDS
from ussd_app.publishing.simulation import DESCRIPTIONS, describe
from ussd_app.ussd.effect_handlers import HANDLERS

BASE = Path(__file__).with_name("engine_only_menu.yaml")


@action("echo", samples={"said": "hello"})
def _echo(ctx: Any, args: dict[str, Any]) -> ActionResult:
    return ActionResult(values={"said": args.get("say", "")})


def _text(en: str) -> dict[str, str]:
    return {"lo": f"ລາວ {en}", "en": en}


# kind -> (the node, the keys to press once on its screen, what the phone shows after them)
FIXTURES: dict[str, tuple[dict[str, Any], tuple[str, ...], str]] = {
    "menu": ({"type": "menu", "text": _text("Pick"), "options": [{"label": _text("Go"), "to": "thanks"}]},
             ("1",), "Thanks"),
    "input": ({"type": "input", "text": _text("Number?"), "validate": ["digits"], "save_as": "n", "next": "thanks"},
              ("x",), "Digits only"),
    "pin": ({"type": "pin", "text": _text("PIN?"), "next": "thanks"}, ("2580",), "Thanks"),
    "action": ({"type": "action", "action": "echo", "args": {"say": "hi"}, "text": _text("Said {said}")},
               (), "Said hi"),
    "message": ({"type": "message", "text": _text("Read me")}, ("5",), "Invalid choice"),
    "end": ({"type": "end", "text": _text("Bye")}, (), "Bye"),
    "pick": ({"type": "pick", "text": _text("Which?"), "choices": [{"value": "a", "label": _text("Apples")},
                                                                   {"value": "b", "label": _text("Beans")}],
              "save_as": "fruit", "next": "thanks"}, ("7",), "Invalid choice"),
    "router": ({"type": "router", "routes": [{"when": "phone_linked", "to": "thanks"}], "default": "home"},
               (), "Thanks"),
}


def test_every_node_kind_has_a_fixture():
    assert set(KINDS) == set(FIXTURES)


@pytest.mark.parametrize("kind", sorted(FIXTURES))
def test_each_kind_loads_and_runs_through_the_engine(kind):
    node, keys, shown = FIXTURES[kind]
    raw = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    raw["nodes"]["home"]["options"].append({"label": _text("Try"), "to": "under_test"})
    raw["nodes"]["under_test"] = node
    definition, _ = parse_definition(raw, Actions([_echo]))
    assert type(definition.nodes["under_test"]).TYPE == kind
    ports = services(FakeMembers({"1000001": member()}), fake_guards())
    state = SessionState(session_id="s", phone="+8562055512345", menu_version="1", lang="en")
    out = resume(definition, state, Typed("2", *keys), ports)
    assert shown in out.screen.text


EFFECTS = {
    effects.LanguageChosen("+8562055512345", "en", None),
    effects.PhoneLinked("1000001", "+8562055512345", "v1$x$y"),
    effects.PinChanged("1000001", "v1$x$y"),
    effects.PinLocked("1000001", datetime(2026, 11, 20, tzinfo=timezone.utc)),
    effects.LinkAttemptFailed("+8562055512345", False),
    effects.SmsRequested("statement", "+8562055512345", "1000001", "en", {}),
    effects.ConsentAnswered("1000001", 1, True),
    effects.ApplicationSubmitted("s1", "50000014", "+8562055512345", "lo", "national_id", "123456789012",
                                 "1990-03-25", "F", "Vientiane Capital", "Chanthabouly", "trader", 2_500_000, None),
    effects.IncomeDeclared("1000001", "2027-01", 3_000_000),
    effects.AnswersBySmsChosen("+8562055512345", False),
}


def test_every_effect_has_a_handler_and_a_simulator_description():
    kinds = set(effects.Effect.__subclasses__())
    assert {type(e) for e in EFFECTS} == kinds, "a new effect needs an example here"
    assert kinds <= set(HANDLERS), f"no handler in the web hop for {kinds - set(HANDLERS)}"
    assert kinds - {effects.SmsRequested} <= set(DESCRIPTIONS), "the simulator cannot say what it would do"
    for example in EFFECTS:
        assert describe(example) != type(example).__name__
