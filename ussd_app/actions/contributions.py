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
    paid = [c for c in ctx.services.members.contributions(member.ssn) if c.total_lak > 0]
    if not paid:
        return ActionResult("none")
    periods = {c.period for c in paid}
    return ActionResult(values={
        "months": len(periods),
        "last_period": Period(max(periods)),
        "total": Money(sum(c.total_lak for c in paid)),
        "own_share": Money(sum(c.employee_lak for c in paid)),
    })
