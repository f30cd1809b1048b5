"""A linked member and the partner schemes: who looked at their record lately, and their yes or
no to each partner that may see it only with consent (DCI partners whose basis is consent).

The consent screens walk the partners one at a time: `consent_question` shows the next one (its
cursor in the session's data), `consent_answer` records the member's answer to it.
"""

from __future__ import annotations

from typing import Any

from ussd_app.engine.actions import ActionResult, action
from ussd_app.engine.context import Ctx
from ussd_app.engine.effects import ConsentAnswered
from ussd_app.engine.ports import Sharing, SharingPartner

DAYS = 90
SHOWN = 6  # viewers listed, the latest first (a long list pages)
# As long as a partner's label may be (partners.LABEL_MAX): the screens are measured with it.
_LABEL = {"lo": "ປະກັນສຸຂະພາບແຫ່ງຊາດ", "en": "Natl Health Insurance"}
ANSWERS = {True: {"lo": "ຕົກລົງ", "en": "yes"}, False: {"lo": "ບໍ່", "en": "no"},
           None: {"lo": "ຍັງບໍ່ຕອບ", "en": "not asked yet"}}


def _sharing(ctx: Ctx) -> Sharing:
    port: Sharing = ctx.services.extra["sharing"]
    return port


def _check_given(args: dict[str, Any]) -> None:
    if not isinstance(args.get("given"), bool):
        raise ValueError("'args: given' must be true or false")


def _check_from(args: dict[str, Any]) -> None:
    if args.get("from", "start") not in ("start", "next"):
        raise ValueError("'args: from' is start or next")


@action("record_viewers", outcomes=("ok", "none", "not_linked"),
        samples={"lines": {lang: "\n".join([f"{label} 28/11"] * SHOWN) for lang, label in _LABEL.items()}})
def record_viewers(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    viewers = _sharing(ctx).viewers(member.ssn, DAYS)[:SHOWN]
    if not viewers:
        return ActionResult("none")
    return ActionResult(values={"lines": {
        lang: "\n".join(f"{v.label[lang]} {v.last_seen:%d/%m}" for v in viewers) for lang in ctx.definition.languages}})


@action("consent_question", outcomes=("ok", "none", "done", "not_linked"), check_args=_check_from, readonly=False,
        samples={"partner": _LABEL, "answer": {lang: ANSWERS[None][lang] for lang in _LABEL}})
def consent_question(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """The next partner to ask about (`from: start` begins again at the first)."""
    member = ctx.member()
    if member is None:
        return ActionResult("not_linked")
    partners = _sharing(ctx).consent_partners(member.ssn)
    if not partners:
        return ActionResult("none")
    at = 0 if args.get("from", "start") == "start" else int(ctx.state.data.get("consent_at", -1)) + 1
    if at >= len(partners):
        return ActionResult("done", data={"consent_at": None, "consent_partner": None})
    partner = partners[at]
    return ActionResult(values=_shown(partner), data={"consent_at": at, "consent_partner": partner.id})


def _shown(partner: SharingPartner) -> dict[str, Any]:
    return {"partner": partner.label, "answer": ANSWERS[partner.given]}


@action("consent_answer", outcomes=("ok", "none", "not_linked"), check_args=_check_given, readonly=False,
        samples={"partner": _LABEL, "answer": {lang: ANSWERS[True][lang] for lang in _LABEL}})
def consent_answer(ctx: Ctx, args: dict[str, Any]) -> ActionResult:
    """Records the member's answer about the partner on screen."""
    member = ctx.member()
    partner_id = ctx.state.data.get("consent_partner")
    if member is None:
        return ActionResult("not_linked")
    partner = next((p for p in _sharing(ctx).consent_partners(member.ssn) if p.id == partner_id), None)
    if partner is None:  # revoked since the question was shown
        return ActionResult("none")
    given = bool(args["given"])
    return ActionResult(values=_shown(SharingPartner(partner.id, partner.label, given)),
                        effects=[ConsentAnswered(member.ssn, partner.id, given)])
