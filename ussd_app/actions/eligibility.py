"""Benefit eligibility for a member, and the overview of benefits for everyone."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from ussd_app.benefits import (
    DEFAULT_RULES_PATH,
    Benefit,
    BenefitResult,
    Rules,
    evaluate,
    explain,
    load_rules,
)
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.ports import MemberView

# After the pension lines of the overview, once: what happens with fewer months.
LUMP_SUM_NOTE = {"lo": "ເດືອນບໍ່ພໍ: ຮັບເງິນກ້ອນ", "en": "Fewer months: a lump sum"}


@cache
def _shipped() -> Rules:
    return load_rules(DEFAULT_RULES_PATH)


@cache
def _longest(lang: str) -> str:
    """The longest line explain() gives with the shipped rules, to measure screens before a definition is
    published: every benefit, with three-digit months and an age, a reduced pension, a lump sum."""
    lines = []
    for benefit in _shipped().benefits:
        short = BenefitResult(benefit.code, benefit.name, eligible=False, covered=True, months_paid=0,
                              missing_months=999, from_age=99, confidence=benefit.confidence)
        lines.append(explain(short, lang))
        if benefit.reduced:
            lines.append(explain(replace(short, eligible=True, reduced_pct=99.0), lang))
        if benefit.lump_sum:
            lines.append(explain(replace(short, from_age=None, lump_sum=True, pension_months_missing=999), lang))
    return max(lines, key=lambda line: len(line.encode("utf-16-le")))


def _sample_lines(count: int) -> dict[str, dict[str, str]]:
    return {"lines": {lang: "\n".join([_longest(lang)] * count) for lang in ("lo", "en")}}


def _overview_samples(args: dict[str, Any]) -> dict[str, dict[str, str]]:
    # The overview depends on the rules only: the shipped rules' own lines.
    wanted = args.get("codes")
    benefits = [b for b in _shipped().benefits if not wanted or b.code in wanted]
    return {"lines": {lang: "\n".join(overview_lines(benefits, lang)) for lang in ("lo", "en")}}


def _rules(ctx: Ctx) -> Rules:
    rules: Rules = ctx.services.extra["rules"]
    return rules


def covered_results(ctx: Ctx, member: MemberView) -> list[BenefitResult]:
    """The benefits of the member's scheme, each eligible or with what is missing.

    Only what the scheme covers: "not in your scheme" rows confused more than they told (a civil
    servant would read "pension: not in your scheme" beside their own pension line)."""
    periods = [c.period for c in ctx.services.members.contributions(member.ssn) if c.total_lak > 0]
    results = evaluate(_rules(ctx), sex=member.sex, date_of_birth=member.date_of_birth, scheme=member.scheme,
                       periods=periods, today=ctx.today)
    return [r for r in results if r.covered]


@action("eligibility", outcomes=("ok", "not_linked"), samples=lambda args: _sample_lines(6))
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


@action("benefit_overview", samples=_overview_samples, check_args=_codes)
def benefit_overview(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """What each benefit asks for. `args.codes` picks benefits (default: all), in the rules' order."""
    wanted = args.get("codes")
    benefits = [b for b in _rules(ctx).benefits if not wanted or b.code in wanted]
    return ActionResult(values={"lines": {lang: "\n".join(overview_lines(benefits, lang))
                                          for lang in ctx.definition.languages}})


def overview_lines(benefits: list[Benefit], lang: str) -> list[str]:
    """One line per benefit, one more for a reduced pension, and the lump-sum note once after them."""
    lines = []
    for benefit in benefits:
        lines.append(_overview_line(benefit, lang))
        if benefit.reduced:
            months, pct = benefit.reduced.min_months, f"{benefit.reduced.pct_per_year:g}"
            lines.append(f"{benefit.name[lang]}: {months} ເດືອນ, ຫຼຸດ {pct}%/ປີ" if lang == "lo"
                         else f"{benefit.name[lang]}: {months} months, {pct}%/year less")
    if any(b.lump_sum for b in benefits):
        lines.append(LUMP_SUM_NOTE[lang])
    return lines


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
