"""Africa's Talking USSD: parse its form posts into Hops, render Screens as "CON …" / "END …".

AT sends the whole input history joined by "*" in `text`; the hop runner works out what is new.
The hop itself is answered by `HopEndpoint`, a plain WSGI app in front of Flask: it is the hot
path of the service and needs nothing of Flask (no request context, no routing). AT's
end-of-session notices, rarer, go through the Flask blueprint.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Response

from ussd_app.analytics.session_events import UssdSessionEvent
from ussd_app.core import metrics
from ussd_app.engine.render import Screen
from ussd_app.gateways.errors import FAULT_TEXT
from ussd_app.gateways.webhook_requests import (
    USSD_BODY_LIMIT,
    BadRequest,
    limit_bodies,
    parse_form,
    plain,
    request_form,
    token_refusal,
)
from ussd_app.text.phones import InvalidPhone, mask, normalise
from ussd_app.ussd import drops
from ussd_app.ussd.hops import Hop, SessionMismatch, run_hop
from ussd_app.ussd.runtime import Runtime, runtime_of
from ussd_app.ussd.sessions import StoredSession

log = logging.getLogger(__name__)
bp = Blueprint("africastalking", __name__)
limit_bodies(bp, USSD_BODY_LIMIT)

MAX_TEXT = 1000
MAX_FIELD = 100
REQUIRED = ("sessionId", "serviceCode", "phoneNumber", "text")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode's Cc category, exactly


def parse_hop(form: dict[str, str], region: str) -> Hop:
    missing = [name for name in REQUIRED if name not in form]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
    for name, value in form.items():
        if _CONTROL.search(value):
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


HOP_PATH = "/ussd/africastalking"
GATEWAY = "africastalking"  # the gateway label of its metrics
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_STATUS = {200: "200 OK", 400: "400 Bad Request", 403: "403 Forbidden", 405: "405 Method Not Allowed",
           413: "413 Content Too Large"}


class HopEndpoint:
    """POST /ussd/africastalking, answered before Flask sees it; every other request goes on to
    `fallback` (the Flask app). Installed by create_app as `app.wsgi_app`, so the test client and
    every server take the same path."""

    def __init__(self, rt: Runtime, config: Mapping[str, Any], fallback: WSGIApp) -> None:
        self.rt = rt
        self.token = str(config["USSD_WEBHOOK_TOKEN"]).encode()
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HOP_PATH:
            return self.fallback(environ, start_response)
        status, body, close = self.answer(environ)
        data = body.encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
        if close:
            headers.append(("Connection", "close"))  # so the server does not read the rest to keep the connection
        if status == 405:
            headers.append(("Allow", "POST"))
        start_response(_STATUS[status], headers)
        return [data]

    def answer(self, environ: dict[str, Any]) -> tuple[int, str, bool]:
        """(status, body, close the connection)."""
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, "method not allowed: AT posts hops", False
        if not self._token_ok(environ):
            return 403, "forbidden: bad or missing token", False
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > USSD_BODY_LIMIT:
            return 413, f"request too large: at most {USSD_BODY_LIMIT} bytes", True
        if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return 400, "bad request: expected an application/x-www-form-urlencoded body", False
        raw = environ["wsgi.input"].read(int(length) if length.isdigit() else USSD_BODY_LIMIT + 1)
        if len(raw) > USSD_BODY_LIMIT:
            return 413, f"request too large: at most {USSD_BODY_LIMIT} bytes", True
        started = time.perf_counter()
        try:
            hop = parse_hop(parse_form(raw), self.rt.region)
        except BadRequest as exc:
            metrics.HOPS.labels(GATEWAY, "-", "refused").inc()
            return 400, f"bad request: {exc}", False
        network = metrics.network_label(hop.network)
        try:
            screen = run_hop(self.rt, hop)
            body, outcome = render(screen), "end" if screen.end else "screen"
        except SessionMismatch as exc:
            log.warning("refused hop for session=%s phone=%s: %s", hop.session_id, mask(hop.phone), exc)
            metrics.HOPS.labels(GATEWAY, network, "refused").inc()
            return 400, f"bad request: {exc}", False
        except Exception as exc:  # noqa: BLE001 - a member must get a polite END, never a 500 or a traceback
            cause = metrics.fault_cause(exc)
            log.exception("hop failed for session=%s phone=%s", hop.session_id, mask(hop.phone),
                          extra={"event": "hop", "session": hop.session_id, "phone": mask(hop.phone),
                                 "network": network, "outcome": "fault", "cause": cause})
            metrics.FAULT_REPLIES.labels(cause).inc()
            body, outcome = "END " + FAULT_TEXT, "fault"
        metrics.HOPS.labels(GATEWAY, network, outcome).inc()
        metrics.HOP_SECONDS.observe(time.perf_counter() - started)
        return 200, body, False

    def _token_ok(self, environ: dict[str, Any]) -> bool:
        if not self.token:
            return True  # ALLOW_UNAUTHENTICATED_WEBHOOKS (make run's demo), refused at start otherwise
        header = environ.get("HTTP_X_WEBHOOK_TOKEN")
        given = _header_bytes(header) if header else _query_token(environ.get("QUERY_STRING", ""))
        return hmac.compare_digest(given, self.token)


def _header_bytes(value: str) -> bytes:
    # WSGI hands headers over as latin-1 text: encoding it back gives the very bytes that came
    # (a test client may pass other text; it is compared as UTF-8 then, and refused).
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def _query_token(query: str) -> bytes:
    if "token=" not in query:
        return b""
    return (parse_qs(query).get("token") or [""])[0].encode()


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
    rt = runtime_of()
    try:
        stored = _record_event(rt, form)
    except Exception:  # noqa: BLE001 - analytics must never make AT retry
        log.exception("could not record session event %s", form.get("sessionId", "?")[:MAX_FIELD])
        stored = None
    if stored is not None:
        try:  # a drop: its result by SMS, and a resume on redial; a normal end: neither
            drops.on_notice(rt, stored.state.session_id, stored.state.phone, form.get("status", ""))
        except Exception:  # noqa: BLE001 - the timeout sweep will find the session if this failed
            log.exception("could not settle the end of session %s", stored.state.session_id)
    return plain("ok")


def _record_event(rt: Runtime, form: dict[str, str]) -> StoredSession | None:
    """Keeps AT's notice; returns the session it is about, if we still have it."""
    session_id = form.get("sessionId", "")[:MAX_FIELD]
    last_node, language, stored = "", "", None
    try:
        stored = rt.sessions.load(session_id, "").stored
        if stored:
            last_node, language = stored.state.node or "", stored.state.lang
    except Exception:  # noqa: BLE001 - the event is still worth keeping without its node
        log.warning("session %s not readable for its end event", session_id)
    try:
        number = normalise(form.get("phoneNumber", ""), rt.region)
        phone = mask(number)
    except InvalidPhone:
        number, phone = "", ""
    if stored is not None and number and stored.state.phone != number:
        log.warning("end event for session %s names another phone: ignored for the session", session_id)
        stored = None
    with rt.clients.sessions() as session:
        session.add(UssdSessionEvent(
            session_id=session_id, status=form.get("status", "")[:40], service_code=form.get("serviceCode", "")[:40],
            phone_masked=phone, network_code=form.get("networkCode", "")[:20],
            duration_ms=_int(form.get("durationInMillis")), hops_count=_int(form.get("hopsCount")),
            error_message=form.get("errorMessage", "")[:500], last_node=last_node, language=language,
        ))
        session.commit()
    return stored


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


