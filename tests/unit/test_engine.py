"""The pure engine on small definitions: navigation, typed inputs, PINs, effects, pagination."""

from __future__ import annotations

import textwrap

import pytest

from tests.unit.engine_fakes import FakeMembers, apply, fake_guards, member, services
from ussd_app.actions import lsso_actions
from ussd_app.engine import SessionState, TimedOut, Typed, resume
from ussd_app.engine import effects as fx
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.loader import load_text
from ussd_app.engine.render import fits

MESSAGES = textwrap.dedent("""
    messages:
      invalid_choice: {lo: "ເລືອກບໍ່ຖືກ", en: "Invalid choice"}
      more: {lo: "98 ຕໍ່ໄປ", en: "98 More"}
      back: {lo: "0 ກັບຄືນ", en: "0 Back"}
      nav_footer: {lo: "0 ກັບຄືນ 00 ໜ້າຫຼັກ", en: "0 Back 00 Home"}
      timed_out: {lo: "ໝົດເວລາ", en: "Timed out"}
      not_linked: {lo: "ບໍ່ໄດ້ເຊື່ອມ", en: "Not linked"}
      pin_format: {lo: "4 ຕົວເລກ", en: "4 digits"}
      pin_wrong: {lo: "ຜິດ, ເຫຼືອ {tries_left}", en: "Wrong PIN, {tries_left} left"}
      pin_locked: {lo: "ລັອກ {minutes} ນາທີ", en: "Locked {minutes} min"}
      pin_trivial: {lo: "ງ່າຍເກີນ", en: "Too easy"}
      pin_mismatch: {lo: "ບໍ່ກົງ", en: "No match"}
      digits_only: {lo: "ຕົວເລກ", en: "Digits only"}
      bad_length: {lo: "ຍາວບໍ່ຖືກ", en: "Bad length"}
      invalid_input: {lo: "ບໍ່ຖືກ", en: "Invalid"}
      bad_date: {lo: "ວັນທີບໍ່ຖືກ", en: "Bad date"}
      bad_phone: {lo: "ເບີບໍ່ຖືກ", en: "Bad phone"}
""")

FLOW = MESSAGES + textwrap.dedent("""
    spec_version: 1
    start: home
    nodes:
      home:
        type: menu
        text: {lo: "ໜ້າຫຼັກ", en: "Home"}
        options:
          - {label: {lo: "ຖາມ", en: "Ask"}, to: ask}
          - {label: {lo: "ລັບ", en: "Secret"}, to: secret_pin}
          - {label: {lo: "ຍາວ", en: "Long"}, to: long}
      ask:
        type: input
        text: {lo: "ໃສ່ເລກ", en: "Enter a number"}
        validate: [digits, {length: [2, 4]}]
        save_as: number
        next: done
      done:
        type: end
        text: {lo: "ແລ້ວ", en: "Done"}
      secret_pin:
        type: pin
        text: {lo: "PIN", en: "PIN please"}
        next: secret
      secret:
        type: message
        text: {lo: "ຄວາມລັບ", en: "The secret"}
      long:
        type: action
        action: test_long_result
        text: {lo: "{body}", en: "Short in English"}
""")

LONG_LAO = "ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ ເງິນສົມທົບ"


@action("test_long_result", samples={"body": "ສັ້ນ"})
def _long_result(ctx, args):
    """A result longer than a screen: a fixed text that long would be refused at load."""
    return ActionResult(values={"body": LONG_LAO})


@pytest.fixture
def definition():
    return load_text(FLOW, lsso_actions().including(_long_result))[0]


def new_state(lang: str = "en", phone: str = "+8562055512345") -> SessionState:
    return SessionState(session_id="s1", phone=phone, menu_version="1", lang=lang)


def test_new_session_shows_start_screen(definition):
    out = resume(definition, new_state(), Typed(), services())
    assert out.screen.text == "Home\n1 Ask\n2 Secret\n3 Long"
    assert not out.screen.end


def test_invalid_choice_shows_same_screen_with_one_line_error(definition):
    state = new_state()
    state = resume(definition, state, Typed(), services()).state
    out = resume(definition, state, Typed("7"), services())
    state = out.state
    assert out.screen.text == "Invalid choice\nHome\n1 Ask\n2 Secret\n3 Long"
    assert state.invalid == 1
    out = resume(definition, state, Typed("1"), services())  # the error goes once the member gets it right
    assert out.screen.text == "Enter a number"


def test_resume_returns_a_new_state_and_leaves_the_given_one_alone(definition):
    before = resume(definition, new_state(), Typed(), services()).state
    kept = before.to_dict()
    after = resume(definition, before, Typed("1", "42"), services()).state
    assert before.to_dict() == kept  # a lost compare-and-set may resume the same state again
    assert (after.node, after.data, after.stack) != (before.node, before.data, before.stack)
    assert after.data["number"] == "42" and "number" not in before.data


def test_typed_input_rejected_then_accepted(definition):
    state = new_state()
    out = resume(definition, state, Typed("1", "x1"), services())
    state = out.state
    assert out.screen.text == "Digits only\nEnter a number"
    out = resume(definition, state, Typed("12345"), services())
    state = out.state
    assert out.screen.text == "Bad length\nEnter a number"
    out = resume(definition, state, Typed("42"), services())
    state = out.state
    assert out.screen.end and out.screen.text == "Done"
    assert state.data["number"] == "42"


def test_zero_goes_back_and_double_zero_goes_home(definition):
    state = new_state()
    state = resume(definition, state, Typed("1"), services()).state
    out = resume(definition, state, Typed("0"), services())
    state = out.state
    assert out.screen.text.startswith("Home")
    state = resume(definition, state, Typed("1"), services()).state
    out = resume(definition, state, Typed("00"), services())
    state = out.state
    assert out.screen.text.startswith("Home")


def test_several_inputs_in_one_hop_are_followed_in_order(definition):
    out = resume(definition, new_state(), Typed("1", "77"), services())
    assert out.screen.text == "Done" and out.screen.end


def test_long_screen_paginates_with_98_and_0(definition):
    state = new_state(lang="lo")
    out = resume(definition, state, Typed("3"), services())
    state = out.state
    assert fits(out.screen.text) and out.screen.text.endswith("98 ຕໍ່ໄປ")
    first = out.screen.text
    out = resume(definition, state, Typed("98"), services())
    state = out.state
    assert out.screen.text != first and fits(out.screen.text) and "0 ກັບຄືນ" in out.screen.text
    out = resume(definition, state, Typed("0"), services())
    state = out.state
    assert out.screen.text == first


def test_pin_verify_lock_after_three_wrong(definition):
    members, guards = FakeMembers({"1000001": member()}), fake_guards()
    state = new_state()
    out = resume(definition, state, Typed("2"), services(members, guards))
    state = out.state
    assert out.screen.text == "PIN please"
    for tries_left in (2, 1):
        out = resume(definition, state, Typed("1111"), services(members, guards))
        state = out.state
        assert out.screen.text == f"Wrong PIN, {tries_left} left\nPIN please"
        assert out.effects == []  # the guard counted the try before it was checked
        apply(out.effects, members, guards)
    out = resume(definition, state, Typed("1111"), services(members, guards))
    state = out.state
    assert out.screen.end and out.screen.text == "Locked 30 min"
    assert any(isinstance(e, fx.PinLocked) for e in out.effects)
    apply(out.effects, members, guards)
    # A new session does not unlock: the lock lives with the member, not the session.
    out = resume(definition, new_state(), Typed("2"), services(members, guards))
    assert out.screen.end and "Locked" in out.screen.text


def test_right_pin_opens_and_clears_the_wrong_ones_in_a_row(definition):
    members, guards = FakeMembers({"1000001": member()}), fake_guards()
    guards.pin_check("1000001", False), guards.pin_check("1000001", False)  # two wrong ones before
    state = new_state()
    out = resume(definition, state, Typed("2", "2580"), services(members, guards))
    state = out.state
    assert out.screen.text.startswith("The secret")
    assert out.effects == []
    assert guards.pin_check("1000001", False).tries_left == 2  # in a row: the right PIN cleared the count
    assert state.authenticated
    assert "2580" not in repr(state.to_dict())


def test_a_locked_member_gets_no_check_at_all(definition):
    """Once the tries are used up, even the right PIN is not let through until the lock ends."""
    members, guards = FakeMembers({"1000001": member()}), fake_guards()
    for _ in range(3):
        guards.pin_check("1000001", False)
    out = resume(definition, new_state(), Typed("2", "2580"), services(members, guards))
    assert out.screen.end and out.screen.text == "Locked 30 min"
    assert out.effects == []


def test_pin_screen_for_unlinked_phone_ends_politely(definition):
    out = resume(definition, new_state(), Typed("2"), services())
    assert out.screen.end and out.screen.text == "Not linked"


def test_timed_out_session_starts_again_with_a_notice(definition):
    state = new_state()
    state = resume(definition, state, Typed("1"), services()).state
    out = resume(definition, state, TimedOut(), services())
    assert out.screen.text.startswith("Timed out\nHome")
    assert "number" not in state.data
