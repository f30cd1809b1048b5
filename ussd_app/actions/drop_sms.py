"""The phone's choice: when a session drops on a result, should the result come by SMS?

On by default for a linked phone (redial.py in the engine says which screens are results; the
host sends the SMS, ussd/dropped.py)."""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import AnswersBySmsChosen
from ussd_app.engine.ports import PhoneSettings

STATE = {True: {"lo": "ເປີດ", "en": "on"}, False: {"lo": "ປິດ", "en": "off"}}


def answers_by_sms_on(settings: PhoneSettings, phone: str, linked: bool) -> bool:
    chosen = settings.answers_by_sms(phone)
    return linked if chosen is None else chosen


@action("answers_by_sms", samples={"state": STATE[False]})
def answers_by_sms(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    settings: PhoneSettings = ctx.services.extra["phone_settings"]
    on = answers_by_sms_on(settings, ctx.state.phone, ctx.member() is not None)
    return ActionResult(values={"state": STATE[on]})


def _check_args(args: dict[str, Any]) -> None:
    if not isinstance(args.get("enabled"), bool):
        raise ValueError("set_answers_by_sms needs args {enabled: true} or {enabled: false}")


@action("set_answers_by_sms", readonly=False, samples={"state": STATE[False]}, check_args=_check_args)
def set_answers_by_sms(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    on = bool(args["enabled"])
    return ActionResult(values={"state": STATE[on]}, effects=[AnswersBySmsChosen(ctx.state.phone, on)])
