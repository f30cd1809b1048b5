"""Figures of the voluntary scheme, read from the benefit rules so they live in one place."""

from __future__ import annotations

from functools import cache
from typing import Any

from ussd_app.benefits import DEFAULT_RULES_PATH, SchemeRates, load_rules
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.text import Money


def scheme_values(scheme: SchemeRates) -> dict[str, Any]:
    """The rate and the declared-income figures, each computed from the rules (rate_pct of the minimum income)."""
    return {
        "rate": f"{scheme.rate_pct:g}%" if scheme.rate_pct is not None else "",
        "minimum": Money(scheme.minimum_monthly_lak or 0),  # the minimum monthly contribution
        "minimum_income": Money(scheme.minimum_income_lak or 0),
        "maximum_income": Money(scheme.maximum_income_lak or 0),
    }


@cache
def _samples() -> dict[str, Any]:
    # The shipped rules' own figures, so a screen is measured with what it will show.
    return scheme_values(load_rules(DEFAULT_RULES_PATH).schemes["voluntary"])


@action("voluntary_scheme_info", samples=lambda args: _samples())
def voluntary_scheme_info(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    return ActionResult(values=scheme_values(ctx.services.extra["rules"].schemes["voluntary"]))
