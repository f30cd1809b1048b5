"""Benefit eligibility for a member, and the overview of benefits for everyone."""

from __future__ import annotations

from typing import Any

from ussd_app.benefits import Benefit, BenefitResult, Rules, evaluate, explain
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.ports import MemberView

# The longest lines these screens can show, to measure them before a definition is published.
_LONGEST = {"lo": "ອຸດໜູນຄອບຄົວ: ຂາດ 180 ເດືອນ, ອາຍຸ 60", "en": "Old-age pension: 180 more months, age 60"}


def _sample_lines(count: int) -> dict[str, dict[str, str]]:
    return {"lines": {lang: "\n".join([line] * count) for lang, line in _LONGEST.items()}}


def _rules(ctx: Ctx) -> Rules:
    return ctx.services.extra["rules"]


def covered_results(ctx: Ctx, member: MemberView) -> list[BenefitResult]:
    """The benefits of the member's scheme, each eligible or with what is missing.

    Only what the scheme covers: "not in your scheme" rows confused more than they told (a civil
    servant would read "pension: not in your scheme" beside their own pension line)."""
    periods = [c.period for c in ctx.services.members.contributions(member.ssn) if c.total_lak > 0]
    results = evaluate(_rules(ctx), sex=member.sex, date_of_birth=member.date_of_birth, scheme=member.scheme,
                       periods=periods, today=ctx.today)
    return [r for r in results if r.covered]


@action("eligibility", outcomes=("ok", "not_linked"), samples=_sample_lines(6))
def eligibility(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    results = covered_results(ctx, member)
    return ActionResult(values={"lines": {lang: "\n".join(explain(r, lang) for r in results)
                                          for lang in ctx.definition.languages}})


def _codes(args: dict[str, Any]) -> None:
    codes = args.get("codes")
    if codes is not None and not (isinstance(codes, list) and all(isinstance(c, str) for c in codes)):
        raise ValueError("'args: codes' must list benefit codes, e.g. [old_age, sickness]")


@action("benefit_overview", samples=lambda args: _sample_lines(len(args.get("codes") or [1] * 10)),
        check_args=_codes)
def benefit_overview(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """What each benefit asks for. `args.codes` picks benefits (default: all), in the rules' order."""
    wanted = args.get("codes")
    benefits = [b for b in _rules(ctx).benefits if not wanted or b.code in wanted]
    return ActionResult(values={"lines": {lang: "\n".join(_overview_line(b, lang) for b in benefits)
                                          for lang in ctx.definition.languages}})


def _overview_line(benefit: Benefit, lang: str) -> str:
    parts = []
    if benefit.min_months:
        months = benefit.min_months
        parts.append(f"{months} ເດືອນ" if lang == "lo" else f"{months} month{'s' if months != 1 else ''}")
    if benefit.min_age:
        men, women = benefit.min_age["M"], benefit.min_age["F"]
        parts.append(f"ຊາຍ {men} ຍິງ {women} ປີ" if lang == "lo" else f"age {men} men, {women} women")
    if not parts:
        parts.append("ແຕ່ມື້ທຳອິດ" if lang == "lo" else "from day one")
    return f"{benefit.name[lang]}: {', '.join(parts)}"
