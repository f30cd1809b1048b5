"""Figures of the voluntary scheme, read from the benefit rules so they live in one place."""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.text import Money


@action("voluntary_scheme_info", samples={"rate": "9%", "minimum": Money(108_000)})
def voluntary_scheme_info(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    scheme = ctx.services.extra["rules"].schemes["voluntary"]
    rate = f"{scheme.rate_pct:g}%"
    return ActionResult(values={"rate": rate, "minimum": Money(scheme.minimum_monthly_lak or 0)})
