"""USSD options that send details by SMS: the contribution statement and the eligibility list.

The SMS is queued (an effect), never sent while the member waits for the next screen."""

from __future__ import annotations

from typing import Any

from ussd_app.actions.eligibility import covered_results
from ussd_app.benefits import explain
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import SmsRequested
from ussd_app.engine.ports import ContributionView
from ussd_app.engine.text import Money

MONTHS = 12
NOT_PAID = {"lo": "ບໍ່ໄດ້ຈ່າຍ", "en": "not paid"}
ELIGIBLE = {"lo": "ມີສິດ", "en": "Eligible"}


def _month(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _short(period: str) -> str:
    year, month = period.split("-")
    return f"{month}/{year[2:]}"


def statement_lines(history: list[ContributionView], last_month: int, lang: str) -> tuple[list[str], int]:
    """The last 12 months, oldest first; runs of months with the same amount share a line
    ("12/25-05/26 345,000"), so a whole year fits one SMS."""
    paid: dict[str, int] = {}
    for c in history:
        paid[c.period] = paid.get(c.period, 0) + c.total_lak
    months = [_month(i) for i in range(last_month - MONTHS + 1, last_month + 1)]
    runs: list[list[Any]] = []  # [first, last, amount]
    for period in months:
        amount = paid.get(period, 0)
        if runs and runs[-1][2] == amount:
            runs[-1][1] = period
        else:
            runs.append([period, period, amount])
    lines = []
    for first, last, amount in runs:
        when = _short(first) if first == last else f"{_short(first)}-{_short(last)}"
        lines.append(f"{when} {amount:,}" if amount else f"{when} {NOT_PAID[lang]}")
    return lines, sum(paid.get(p, 0) for p in months)


@action("sms_statement", outcomes=("ok", "not_linked"), readonly=False)
def sms_statement(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    today = ctx.today
    last_month = today.year * 12 + today.month - 2  # the month before this one
    lines, total = statement_lines(ctx.services.members.contributions(member.ssn), last_month, ctx.lang)
    values = {"lines": lines, "total": Money(total)}
    return ActionResult(effects=[SmsRequested("statement", ctx.state.phone, member.ssn, ctx.lang, values)])


@action("sms_eligibility", outcomes=("ok", "not_linked"), readonly=False)
def sms_eligibility(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    results = covered_results(ctx, member)
    lang = ctx.lang
    eligible = [r.name[lang] for r in results if r.eligible]
    lines = ([f"{ELIGIBLE[lang]}: {', '.join(eligible)}"] if eligible else [])
    lines += [explain(r, lang) for r in results if not r.eligible]
    return ActionResult(effects=[SmsRequested("eligibility", ctx.state.phone, member.ssn, lang, {"lines": lines})])
