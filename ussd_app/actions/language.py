"""The language option: switch between Lao and English, remembered for this phone."""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import LanguageChosen


@action("switch_language", readonly=False)
def switch_language(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    languages = ctx.definition.languages
    chosen = args.get("to") or languages[(languages.index(ctx.lang) + 1) % len(languages)]
    member = ctx.member()
    return ActionResult(lang=chosen, effects=[LanguageChosen(ctx.state.phone, chosen, member.ssn if member else None)])
