"""Africa's Talking USSD: parse its form posts into Hops, render Screens as "CON …" / "END …".

AT sends the whole input history joined by "*" in `text`; the hop runner works out what is new.
"""

from __future__ import annotations

import logging
import time
import unicodedata

from flask import Blueprint, Response

from ussd_app.analytics.session_events import UssdSessionEvent
from ussd_app.engine.render import Screen
from ussd_app.gateways.errors import FAULT_TEXT
from ussd_app.gateways.webhook_requests import (
    USSD_BODY_LIMIT,
    BadRequest,
    limit_bodies,
    plain,
    request_form,
    token_refusal,
)
from ussd_app.text.phones import InvalidPhone, mask, normalise
from ussd_app.ussd.hops import Hop, SessionMismatch, run_hop
from ussd_app.ussd.runtime import Runtime, runtime_of

log = logging.getLogger(__name__)
bp = Blueprint("africastalking", __name__)
limit_bodies(bp, USSD_BODY_LIMIT)

MAX_TEXT = 1000
MAX_FIELD = 100
REQUIRED = ("sessionId", "serviceCode", "phoneNumber", "text")


def parse_hop(form: dict[str, str], region: str) -> Hop:
    missing = [name for name in REQUIRED if name not in form]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
    for name, value in form.items():
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise BadRequest(f"{name} contains control characters")
    text = form["text"]
    if len(text) > MAX_TEXT:
        raise BadRequest(f"text is longer than {MAX_TEXT} characters")
    for name in ("sessionId", "serviceCode", "networkCode"):
        if len(form.get(name, "")) > MAX_FIELD:
            raise BadRequest(f"{name} is longer than {MAX_FIELD} characters")
    if not form["sessionId"].strip():
        raise BadRequest("sessionId is empty")
    try:
        phone = normalise(form["phoneNumber"], region)
    except InvalidPhone:
        raise BadRequest("phoneNumber is not a valid phone number") from None
    return Hop(
        session_id=form["sessionId"].strip(),
        phone=phone,
        service_code=form["serviceCode"].strip(),
        network=form.get("networkCode", "").strip(),
        inputs=tuple(text.split("*")) if text else (),
    )


def render(screen: Screen) -> str:
    return ("END " if screen.end else "CON ") + screen.text


@bp.post("/ussd/africastalking")
def ussd() -> Response:
    refused = token_refusal()
    if refused:
        return refused
    started = time.perf_counter()
    rt = runtime_of()
    try:
        hop = parse_hop(request_form(), rt.region)
    except BadRequest as exc:
        return plain(f"bad request: {exc}", 400)
    try:
        body = render(run_hop(rt, hop))
    except SessionMismatch as exc:
        log.warning("refused hop for session=%s phone=%s: %s", hop.session_id, mask(hop.phone), exc)
        return plain(f"bad request: {exc}", 400)
    except Exception:  # noqa: BLE001 - a member must get a polite END, never a 500 or a traceback
        log.exception("hop failed for session=%s phone=%s", hop.session_id, mask(hop.phone))
        body = "END " + FAULT_TEXT
    log.debug("hop took %.1f ms", (time.perf_counter() - started) * 1000)
    return plain(body)


@bp.post("/ussd/africastalking/events")
def events() -> Response:
    """AT's end-of-session notice. Always 200: AT would retry for minutes otherwise."""
    refused = token_refusal()
    if refused:
        return refused
    try:
        form = request_form()
    except BadRequest as exc:
        log.warning("unreadable session event: %s", exc)
        return plain("ok")
    try:
        _record_event(runtime_of(), form)
    except Exception:  # noqa: BLE001 - analytics must never make AT retry
        log.exception("could not record session event %s", form.get("sessionId", "?")[:MAX_FIELD])
    return plain("ok")


def _record_event(rt: Runtime, form: dict[str, str]) -> None:
    session_id = form.get("sessionId", "")[:MAX_FIELD]
    last_node, language = "", ""
    try:
        loaded = rt.sessions.load(session_id, "")
        if loaded.stored:
            last_node, language = loaded.stored.state.node or "", loaded.stored.state.lang
    except Exception:  # noqa: BLE001 - the event is still worth keeping without its node
        log.warning("session %s not readable for its end event", session_id)
    try:
        phone = mask(normalise(form.get("phoneNumber", ""), rt.region))
    except InvalidPhone:
        phone = ""
    with rt.clients.sessions() as session:
        session.add(UssdSessionEvent(
            session_id=session_id, status=form.get("status", "")[:40], service_code=form.get("serviceCode", "")[:40],
            phone_masked=phone, network_code=form.get("networkCode", "")[:20],
            duration_ms=_int(form.get("durationInMillis")), hops_count=_int(form.get("hopsCount")),
            error_message=form.get("errorMessage", "")[:500], last_node=last_node, language=language,
        ))
        session.commit()


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


