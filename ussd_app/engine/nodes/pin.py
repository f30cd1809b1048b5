"""`pin`: ask for a 4-digit PIN.

    mode: verify    check the linked member's PIN; passes straight on once verified this session;
                    PIN_MAX_TRIES wrong in a row lock PIN-protected options for PIN_LOCK_MINUTES
                    (doubling when it happens again), PIN_DAILY_MAX_TRIES a day for a day
    mode: choose    a new PIN, refusing trivial ones; keeps only its hash, under `save_as`
    mode: confirm   the new PIN again, compared with the hash kept under `of`; on mismatch goes
                    back to `retry` with a message

The PIN itself never enters the session: only hashes do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import PinLocked, SmsRequested
from ussd_app.engine.model import Node
from ussd_app.engine.nodes import _fields as f
from ussd_app.engine.nodes import register
from ussd_app.engine.steps import Goto, Retry, Show, Step
from ussd_app.engine.text import Wait
from ussd_app.members.pins import PIN_LENGTH, is_trivial


class PinMode(StrEnum):
    VERIFY = "verify"
    CHOOSE = "choose"
    CONFIRM = "confirm"


@register
@dataclass(frozen=True)
class PinNode(Node):
    TYPE = "pin"
    mode: PinMode = PinMode.VERIFY
    next: str = ""
    save_as: str = ""
    of: str = ""
    retry: str = ""

    @classmethod
    def parse(cls, node_id: str, raw: dict[str, Any]) -> PinNode:
        f.only(raw, {"mode", "next", "save_as", "of", "retry"})
        try:
            mode = PinMode(raw.get("mode", "verify"))
        except ValueError:
            raise ValueError(f"'mode' must be one of {', '.join(PinMode)}") from None
        node = cls(
            id=node_id,
            text=f.text(raw),
            mode=mode,
            next=f.node_ref(raw, "next"),
            save_as=str(raw.get("save_as") or ""),
            of=str(raw.get("of") or ""),
            retry=f.node_ref(raw, "retry", required=mode is PinMode.CONFIRM) or "",
        )
        if mode is PinMode.CHOOSE and not node.save_as.isidentifier():
            raise ValueError("mode choose needs 'save_as' (where the new PIN's hash is kept)")
        if mode is PinMode.CONFIRM and not node.of.isidentifier():
            raise ValueError("mode confirm needs 'of' (the save_as of the choose step)")
        return node

    def enter(self, ctx: Ctx) -> Step:
        if self.mode is PinMode.VERIFY:
            member = ctx.member()
            if member is None:
                return Show([ctx.message("not_linked")], end=True)
            if ctx.state.authenticated:
                return self._passed(ctx)
            if member.pin_locked_until is not None and member.pin_locked_until > ctx.now:
                return Show([_locked_text(ctx, member.pin_locked_until)], end=True)
        return Show([ctx.text(self.text)])

    def handle(self, ctx: Ctx, value: str) -> Step:
        if len(value) != PIN_LENGTH or not value.isdigit() or not value.isascii():
            return Retry(ctx.message("pin_format"))
        match self.mode:
            case PinMode.VERIFY:
                return self._verify(ctx, value)
            case PinMode.CHOOSE:
                return self._choose(ctx, value)
            case PinMode.CONFIRM:
                return self._confirm(ctx, value)

    def _verify(self, ctx: Ctx, pin: str) -> Step:
        member = ctx.member()
        if member is None:
            return Show([ctx.message("not_linked")], end=True)
        pin_hash, locked_until = ctx.services.members.pin_state(member.ssn)
        if locked_until is not None and locked_until > ctx.now:
            return Show([_locked_text(ctx, locked_until)], end=True)  # locked from another session meanwhile
        right = ctx.services.pins.verify(pin_hash, pin)
        attempt = ctx.services.guards.pin_check(member.ssn, right)  # counted and judged at once: no race
        if not attempt.allowed:
            return Show([_locked_text(ctx, ctx.now + timedelta(seconds=attempt.lock_seconds))], end=True)
        if right:
            ctx.state.authenticated = True
            return self._passed(ctx)
        if attempt.tries_left > 0:
            return Retry(ctx.message("pin_wrong", tries_left=attempt.tries_left))
        # This failure used up the last try; only one try of all those racing can be the last.
        until = ctx.now + timedelta(seconds=attempt.lock_seconds)
        ctx.effects.append(PinLocked(member.ssn, until))
        ctx.effects.append(SmsRequested("pin_locked", ctx.state.phone, member.ssn, ctx.lang,
                                        {"wait": Wait(attempt.lock_seconds), "minutes": attempt.lock_seconds // 60}))
        return Show([_locked_text(ctx, until)], end=True)

    def _passed(self, ctx: Ctx) -> Step:
        """On past the PIN: to `next`, or, in a session taken up after a drop, to where it stood."""
        state = ctx.state
        state.gate = self.id
        resumed = state.after_pin
        state.after_pin = None
        return Goto(resumed[1] if resumed and resumed[0] == self.id else self.next)

    def _choose(self, ctx: Ctx, pin: str) -> Step:
        if is_trivial(pin, _birth_year(ctx)):
            return Retry(ctx.message("pin_trivial"))
        ctx.state.data[self.save_as] = ctx.services.pins.hash(pin)
        return Goto(self.next)

    def _confirm(self, ctx: Ctx, pin: str) -> Step:
        kept = ctx.state.data.pop(self.of, None)
        if kept and ctx.services.pins.verify(kept, pin):
            ctx.state.data[self.of] = kept
            return Goto(self.next)
        return Goto(self.retry, ctx.message("pin_mismatch"))

    def targets(self) -> list[str]:
        return [self.next] + ([self.retry] if self.retry else [])


def _birth_year(ctx: Ctx) -> int | None:
    dob = ctx.state.data.get("dob")
    if isinstance(dob, str) and len(dob) >= 4:
        return int(dob[:4])
    member = ctx.member()
    return member.date_of_birth.year if member else None


def _locked_text(ctx: Ctx, until: Any) -> str:
    seconds = max(60, int((until - ctx.now).total_seconds()))
    return ctx.message("pin_locked", wait=Wait(seconds), minutes=-(-seconds // 60))

