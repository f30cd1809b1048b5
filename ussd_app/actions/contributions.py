"""A member's contributions: months paid, last period paid, total paid."""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.text import Money, Period


@action(
    "contributions_summary",
    outcomes=("ok", "none", "not_linked"),
    samples={"months": 185, "last_period": Period("2026-10"), "total": Money(123_456_789),
             "own_share": Money(58_000_000)},
)
def contributions_summary(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    summary = ctx.services.members.contribution_summary(member.ssn)
    if not summary.months or summary.last_period is None:
        return ActionResult("none")
    return ActionResult(values={
        "months": summary.months,
        "last_period": Period(summary.last_period),
        "total": Money(summary.total_lak),
        "own_share": Money(summary.own_lak),
    })
