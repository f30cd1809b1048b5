"""Africa's Talking SMS callbacks: delivery reports, inbound messages (STOP / START), bulk opt-outs.

Each answers 200 to any well-formed request and applies it once: AT retries for minutes when it
gets anything else, so a repeated request must change nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response
from sqlalchemy import select

from sms import optouts, outbox, reports
from sms.models import Kind
from ussd_app.core.extensions import db
from ussd_app.gateways.webhook_requests import (
    SMS_BODY_LIMIT,
    BadRequest,
    limit_bodies,
    plain,
    request_form,
    require,
    token_refusal,
)
from ussd_app.members.models import Member
from ussd_app.text.phones import InvalidPhone, mask, normalise
from ussd_app.ussd.runtime import runtime_of

log = logging.getLogger(__name__)
bp = Blueprint("sms_callbacks", __name__)
limit_bodies(bp, SMS_BODY_LIMIT)


def _phone(raw: str) -> str:
    try:
        return normalise(raw, runtime_of().region)
    except InvalidPhone:
        raise BadRequest("phone number is not a valid phone number") from None


def _guarded(handler):  # type: ignore[no-untyped-def]
    def view() -> Response:
        refused = token_refusal()
        if refused:
            return refused
        try:
            return handler(request_form())
        except BadRequest as exc:
            return plain(f"bad request: {exc}", 400)

    view.__name__ = handler.__name__
    return view


@bp.post("/sms/africastalking/delivery")
@_guarded
def delivery(form: dict[str, str]) -> Response:
    require(form, "id", "status", "phoneNumber")
    outcome = reports.apply_report(db(), form["id"][:100], form["status"].strip(), _phone(form["phoneNumber"]),
                                   form.get("failureReason", "")[:200], runtime_of().clock.now())
    return plain(outcome)


@bp.post("/sms/africastalking/inbound")
@_guarded
def inbound(form: dict[str, str]) -> Response:
    require(form, "from", "text", "id")
    phone = _phone(form["from"])
    word = optouts.keyword(form["text"])
    if word is None:
        log.info("inbound SMS from %s with no keyword; not kept", mask(phone))
        return plain("ignored")
    session = db()
    changed = optouts.set_opt_out(session, phone, word == "stop", "sms_" + word)
    member = session.execute(select(Member.id, Member.language).where(Member.phone == phone).limit(1)).first()
    language = member.language if member else ("lo" if not form["text"].strip()[:1].isascii() else "en")
    kind = Kind.OPTED_OUT if word == "stop" else Kind.OPTED_IN
    sms = runtime_of().sms
    # Keyed on AT's id for this inbound message: a repeated callback confirms once.
    message = outbox.add(session, sms.templates, recipient=phone, kind=kind.value, language=language, values={},
                         key=f"{kind.value}:{form['id'][:100]}", member_id=member.id if member else None)
    session.commit()
    if message is not None:
        sms.enqueue([message.id])
    log.info("%s from %s (%s)", word.upper(), mask(phone), "changed" if changed else "no change")
    return plain(word)


@bp.post("/sms/africastalking/optout")
@_guarded
def bulk_optout(form: dict[str, str]) -> Response:
    """AT's own opt-out notice: the phone has blocked us at AT; no confirmation can reach it."""
    require(form, "phoneNumber")
    phone = _phone(form["phoneNumber"])
    session = db()
    optouts.set_opt_out(session, phone, True, "at_bulk")
    session.commit()
    return plain("ok")
