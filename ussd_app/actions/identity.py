"""Linking a phone to a member, and changing the PIN."""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import (
    LanguageChosen,
    LinkAttemptFailed,
    PhoneLinked,
    PinChanged,
    SmsRequested,
)
from ussd_app.engine.ports import Try

CHECK_OUTCOMES = ("ok", "mismatch", "blocked", "other_phone", "linked_elsewhere")


@action("check_identity", outcomes=CHECK_OUTCOMES, samples={"tries_left": 2}, readonly=False)
def check_identity(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """Does the SSN and date of birth typed match a member whose phone on file is this phone?

    The answer is told only if the guard allows it: the try is counted and judged, per phone
    and per SSN, in one atomic step, so parallel sessions, or one caller changing phoneNumber,
    get no more answers than LINK_MAX_TRIES."""
    data, phone = ctx.state.data, ctx.state.phone
    ssn = str(data.get("ssn", ""))
    forget = {"ssn": None, "dob": None}  # a failed try starts over from the SSN
    if ctx.services.guards.link_blocked(phone):
        return ActionResult("blocked", values={"tries_left": 0}, data=forget)  # no need to look anything up
    members = ctx.services.members
    member = members.by_ssn(ssn)
    if member is None or member.date_of_birth.isoformat() != data.get("dob"):
        outcome = "mismatch"
    elif member.phone != phone:
        # A failure too: otherwise the answer would let anyone test SSN/date pairs without limit.
        outcome = "other_phone"
    else:
        outcome = "ok"
    attempt = ctx.services.guards.link_check(phone, ssn, matched=outcome == "ok")
    if not attempt.allowed:
        return ActionResult("blocked", values={"tries_left": 0}, data=forget)
    if outcome != "ok":
        return _failure(ctx, outcome, attempt, forget)
    assert member is not None
    if members.other_member_linked_to(phone, member.ssn):
        return ActionResult("linked_elsewhere", data=forget)
    # The date of birth stays: the PIN step refuses the birth year as a PIN.
    return ActionResult("ok", data={"ssn": None, "link_member": member.ssn})


def _failure(ctx: Ctx, outcome: str, attempt: Try, forget: dict[str, Any]) -> ActionResult:
    blocked = attempt.tries_left == 0
    return ActionResult(
        "blocked" if blocked else outcome,
        values={"tries_left": attempt.tries_left},
        effects=[LinkAttemptFailed(ctx.state.phone, blocked)],
        data=forget,
    )


@action("link_phone", readonly=False)
def link_phone(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    data = ctx.state.data
    ssn, pin_hash = data.get("link_member"), data.get(args.get("pin", "new_pin"))
    if not ssn or not pin_hash:
        raise RuntimeError("link_phone reached without a checked member and a confirmed PIN")
    effects: list = [PhoneLinked(ssn, ctx.state.phone, pin_hash),
                     SmsRequested("phone_linked", ctx.state.phone, ssn, ctx.lang, {"ssn_tail": ssn[-4:]})]
    member = ctx.services.members.by_ssn(ssn)
    if member is not None and member.language != ctx.lang:
        effects.append(LanguageChosen(ctx.state.phone, ctx.lang, ssn))
    return ActionResult(effects=effects, member=ssn, authenticated=True,
                        data={"link_member": None, "dob": None, args.get("pin", "new_pin"): None})


@action("change_pin", readonly=False)
def change_pin(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    key = args.get("pin", "new_pin")
    pin_hash, member = ctx.state.data.get(key), ctx.member()
    if not pin_hash or member is None:
        raise RuntimeError("change_pin reached without a linked member and a confirmed PIN")
    # A first PIN (a member linked by staff) gets its own message: nothing was "changed".
    confirm = SmsRequested(str(args.get("sms", "pin_changed")), ctx.state.phone, member.ssn, ctx.lang, {})
    return ActionResult(effects=[PinChanged(member.ssn, pin_hash), confirm], data={key: None}, authenticated=True)
