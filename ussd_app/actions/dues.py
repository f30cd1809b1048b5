"""A voluntary member's dues: what to pay, by when, with which reference; by SMS too; and the
declared income, changed from next month."""

from __future__ import annotations

from datetime import date
from typing import Any

from sms.reminders import month_index, period_of
from ussd_app.actions.enrolment import enrolment, voluntary
from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import IncomeDeclared, SmsRequested
from ussd_app.engine.text import Day, Money, Period
from ussd_app.enrolment.port import Standing

_DUES_SAMPLES = {"total": Money(2_430_000), "due_date": Day(date(2026, 12, 15)), "months": 12,
                 "reference": "800012345", "next_total": Money(405_000), "next_due_date": Day(date(2027, 1, 15)),
                 "paid_to": Period("2026-12")}


def _values(standing: Standing) -> dict[str, Any]:
    d = standing.dues
    return {"total": Money(d.total_lak), "due_date": Day(d.due_date), "months": len(d.months),
            "reference": standing.payment_reference, "next_total": Money(d.next_lak),
            "next_due_date": Day(d.next_due_date), "paid_to": Period(period_of(month_index(d.next_period) - 1))}


def _standing(ctx: Ctx) -> ActionResult | tuple[str, Standing]:
    """The linked voluntary member's SSN and standing, or the outcome that says why there is none."""
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    standing = enrolment(ctx).standing(member.ssn)
    if standing is None:
        return ActionResult("not_voluntary")
    return member.ssn, standing


@action("dues", outcomes=("ok", "paid_up", "not_voluntary", "not_linked"), samples=_DUES_SAMPLES)
def dues(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    found = _standing(ctx)
    if isinstance(found, ActionResult):
        return found
    ssn, standing = found
    # `{paid_up: true}`: the screen for a member with nothing due (an outcome's own node, which
    # must not branch again).
    paid_up = not standing.dues.total_lak and not args.get("paid_up")
    return ActionResult("paid_up" if paid_up else "ok", values=_values(standing))


@action("dues_sms", outcomes=("ok", "not_voluntary", "not_linked"), readonly=False)
def dues_sms(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    found = _standing(ctx)
    if isinstance(found, ActionResult):
        return found
    ssn, standing = found
    return ActionResult(effects=[dues_message(ctx.state.phone, ssn, ctx.lang, standing)])


def dues_message(phone: str, ssn: str, lang: str, standing: Standing) -> SmsRequested:
    d = standing.dues
    if d.total_lak:
        return SmsRequested("dues", phone, ssn, lang, {
            "total": Money(d.total_lak), "months": len(d.months), "due_date": Day(d.due_date),
            "reference": standing.payment_reference})
    return SmsRequested("dues_paid_up", phone, ssn, lang, {
        "next_total": Money(d.next_lak), "next_due_date": Day(d.next_due_date),
        "reference": standing.payment_reference})


def _next_month(today: date) -> str:
    return period_of(today.year * 12 + today.month)  # this month is year * 12 + month - 1


_INCOME_SAMPLES = {"income": Money(4_500_000), "contribution": Money(405_000), "from": Period("2027-01")}


@action("declared_income", outcomes=("ok", "not_voluntary", "not_linked"),
        samples={**_INCOME_SAMPLES,
                 "pending": {"lo": "\nແຕ່ 01/2027: 4,500,000 ກີບ", "en": "\nFrom 01/2027: 4,500,000 LAK"}})
def declared_income(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    found = _standing(ctx)
    if isinstance(found, ActionResult):
        return found
    ssn, standing = found
    rates, income, starts = voluntary(ctx), standing.income_lak, Period(_next_month(ctx.today))
    pending: Any = ""
    if standing.next_income_lak is not None:  # a change already made, starting next month
        after = standing.next_income_lak
        pending = {lang: f"\n{label} {starts.present(lang)}: {Money(after).present(lang)}"
                   for lang, label in (("lo", "ແຕ່"), ("en", "From"))}
    return ActionResult(values={"income": Money(income), "contribution": Money(rates.contribution_for(income)),
                                "from": starts, "pending": pending})


@action("income_confirm", samples=_INCOME_SAMPLES)
def income_confirm(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    income = int(ctx.state.data.get("new_income", 0))
    return ActionResult(values={"income": Money(income), "contribution": Money(voluntary(ctx).contribution_for(
        income)), "from": Period(_next_month(ctx.today))})


@action("income_change", outcomes=("ok", "not_linked"), readonly=False, samples=_INCOME_SAMPLES)
def income_change(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    rates = voluntary(ctx)
    income = int(ctx.state.data.get("new_income", 0))
    if income not in rates.income_bands():
        raise RuntimeError("income_change reached without an income chosen from the bands")
    starts = _next_month(ctx.today)
    values = {"income": Money(income), "contribution": Money(rates.contribution_for(income)), "from": Period(starts)}
    sms = SmsRequested("income_changed", ctx.state.phone, member.ssn, ctx.lang, {
        "income": Money(income), "contribution": Money(rates.contribution_for(income)),
        "from": Period(starts)})
    return ActionResult(values=values, effects=[IncomeDeclared(member.ssn, starts, income), sms],
                        data={"new_income": None})
