"""The /dci/ endpoints. Each call is admitted the same way: bearer token and scope, rate limit,
envelope, the partner's signature when it registered a key, for async calls the callback address,
and the message_id claimed in the audit log. Then a sync call is answered at once, and an async
one is acknowledged and handed to an RQ job (ussd_app/dci/work.py). Every answer is signed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import swagger_ui_bundle
from flask import Blueprint, Response, abort, current_app, g, jsonify, request, send_from_directory
from sqlalchemy.exc import IntegrityError

from ussd_app.core import metrics
from ussd_app.core.extensions import request_unit
from ussd_app.dci import audit, oauth, openapi, tasks, work
from ussd_app.dci.api import Dci, dci_of
from ussd_app.dci.enrolled import enrolled
from ussd_app.dci.envelope import Rejected, Request, TransportError, callback_header, iso, new_id, read_request
from ussd_app.dci.keys import BadSignature, read_public_key, verify
from ussd_app.dci.models import Partner, Scope
from ussd_app.dci.openapi import Operation, documented
from ussd_app.dci.queries import BadQuery
from ussd_app.dci.search import Outcome, search

bp = Blueprint("dci", __name__, url_prefix="/dci")

SEARCH, SUBSCRIBE = Scope.SEARCH.value, Scope.SUBSCRIBE.value
log = logging.getLogger(__name__)


@bp.before_request
def _started() -> None:
    g.dci_started = time.perf_counter()


@bp.after_request
def _counted(response: Response) -> Response:
    """Every call (POST) counted by partner, action and result, and logged as one line."""
    if request.method == "POST":
        partner = g.get("dci_partner", "-")
        action = (request.url_rule.rule if request.url_rule else request.path).removeprefix("/dci/")
        result = g.get("dci_result") or str(response.status_code)
        metrics.DCI_CALLS.labels(partner, action, result).inc()
        log.info("dci %s %s: %s", partner, action, result, extra={
            "event": "dci", "partner": partner, "action": action, "result": result, "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("dci_started", time.perf_counter())) * 1000, 1)})
    return response


@dataclass
class Admitted:
    dci: Dci
    caller: oauth.Caller
    incoming: Request
    now: datetime
    reply_to: str = ""

    @property
    def transaction_id(self) -> str:
        return str(self.incoming.message.get("transaction_id", ""))

    @property
    def partner(self) -> Partner:
        return self.caller.partner


def _error(status: int, code: str, message: str) -> Response:
    g.dci_result = code
    response = jsonify({"errors": [{"code": code, "message": message}]})
    response.status_code = status
    return response


@bp.post("/oauth2/client/token")
@documented(Operation("Get an access token", "OAuth2 client credentials (RFC 6749 section 4.4): client_id and "
                      "client_secret in the form or in HTTP Basic auth; a short JWT with the partner's scopes.",
                      "Auth", request="TokenRequest", form=True, extra={"response_schema": "TokenResponse"}))
def token() -> Response:
    """OAuth2 client credentials (RFC 6749 4.4): client_id and client_secret in the form or Basic auth."""
    response: Response = dci_of().server.create_token_response()
    return response


@bp.get("/.well-known/jwks.json")
@documented(Operation("LSSO's public key", "The Ed25519 key that signs every answer, callback and notification, "
                      "and the bearer JWT on what LSSO posts to a partner.", "Auth",
                      extra={"response_schema": "Jwks"}))
def jwks() -> Response:
    return jsonify({"keys": [dci_of().key.public_jwk()]})


def callback_base(partner: Partner, sender_uri: Any) -> str:
    """Where this request's callback goes: header.sender_uri, which must lie under the URL the
    partner registered (an address anyone could name would make us post member data to it);
    without one, the registered URL. TransportError otherwise."""
    registered = (partner.callback_url or "").rstrip("/")
    if not registered:
        raise TransportError(403, "err.sender_uri.invalid",
                             "this partner has no callback URL registered; ask LSSO to add one, or use the sync calls")
    if sender_uri in (None, ""):
        return registered
    uri = str(sender_uri).rstrip("/")
    given, ours = urlsplit(uri), urlsplit(registered)
    under = (given.scheme, given.netloc) == (ours.scheme, ours.netloc) and \
        (given.path == ours.path or given.path.startswith(ours.path.rstrip("/") + "/"))
    if not under or given.query or given.fragment:
        raise TransportError(403, "err.sender_uri.invalid",
                             f"sender_uri must be under the callback URL registered for this partner ({registered})")
    return uri


def admit(action: str, answer_action: str, *scopes: str, callback: bool = False) -> Admitted | Response:
    """The request, let in; or the response refusing it. Its message_id is taken (once, in the
    audit log) by whoever answers it."""
    dci = dci_of()
    rt = dci.rt
    try:
        caller = oauth.caller(dci.protector, request_unit().reads, *scopes)
    except oauth.NotAuthorised as exc:
        return _error(exc.status, exc.code, exc.message)
    partner = caller.partner
    g.dci_partner = partner.name
    if not dci.allowed(partner.client_id):
        return _error(429, "err.request.too_many_requests", f"more than {dci.rate} calls")
    now = rt.clock.now()
    body = request.get_json(silent=True)
    reply_to = ""
    try:
        incoming = read_request(body, action, now, dci.max_requests)
        if incoming.sender_id != partner.name:
            raise TransportError(403, "err.sender_id.invalid", f"this token belongs to sender_id {partner.name}")
        if incoming.header.get("receiver_id") not in (None, "", dci.sender_id):
            raise TransportError(403, "err.receiver_id.invalid", f"we are {dci.sender_id}")
        if partner.public_key:
            try:
                verify(incoming.signature, incoming.header, incoming.message, read_public_key(partner.public_key),
                       now.timestamp())
            except BadSignature as exc:
                code = "err.signature.missing" if not incoming.signature else "err.signature.invalid"
                raise TransportError(401, code, str(exc)) from None
        if callback:
            reply_to = callback_base(partner, incoming.header.get("sender_uri"))
    except TransportError as exc:
        return _error(exc.status, exc.code, exc.message)
    except Rejected as exc:
        message_id = str((body or {}).get("header", {}).get("message_id", ""))
        g.dci_result = "rjct"
        return jsonify(dci.answer(answer_action, None, partner.name, status="rjct", reason=exc)) if message_id else \
            _error(400, "err.request.bad", exc.message)
    return Admitted(dci, caller, incoming, now, reply_to)


def _duplicate(admitted: Admitted, answer_action: str) -> Response:
    reason = Rejected("rjct.message_id.duplicate", f"message_id {admitted.incoming.message_id} was sent before")
    g.dci_result = "rjct"
    return jsonify(admitted.dci.answer(answer_action, None, admitted.partner.name, status="rjct", reason=reason))


Work = Callable[[Admitted, str], tuple[Outcome, str]]  # (what to answer and record, the header's status)


def answer_now(action: str, answer_action: str, scopes: tuple[str, ...], work_: Work) -> Response:
    admitted = admit(action, answer_action, *scopes)
    if isinstance(admitted, Response):
        return admitted
    dci, partner, session = admitted.dci, admitted.partner, request_unit().session
    logged = (session, partner.id, admitted.incoming.message_id, admitted.transaction_id, action, admitted.now)
    try:
        outcome, status = work_(admitted, new_id())
    except BadQuery as exc:
        try:
            audit.record_answered(*logged, outcome="err.request.bad")
        except audit.DuplicateMessage:
            return _duplicate(admitted, answer_action)
        return _error(400, "err.request.bad", exc.message)
    try:  # the answer leaves only once the call is on record
        audit.record_answered(*logged, outcome=status, purposes=outcome.purposes, member_ids=outcome.member_ids,
                              asked_hash=audit.identifiers_hash(dci.audit_key, outcome.queries))
    except audit.DuplicateMessage:
        return _duplicate(admitted, answer_action)
    total = work.items_in(admitted.incoming.message)
    done = total if status == "succ" else 0
    g.dci_result = status
    message = outcome.message or None
    return jsonify(dci.answer(answer_action, message, partner.name, status=status, total=total, completed=done))


def take(action: str, answer_action: str, *scopes: str) -> Response:
    """An async call: the transaction written, its job queued, and an ACK signed."""
    admitted = admit(action, answer_action, *scopes, callback=True)
    if isinstance(admitted, Response):
        return admitted
    dci, partner, session = admitted.dci, admitted.partner, request_unit().session
    try:
        access = audit.claim(session, partner, admitted.incoming.message_id, admitted.transaction_id, action,
                             admitted.now)
    except audit.DuplicateMessage:
        return _duplicate(admitted, answer_action)
    try:
        txn = work.accept(session, partner, admitted.incoming, access.id, admitted.reply_to, admitted.now)
    except IntegrityError:
        session.rollback()
        audit.finish(session, access.id, partner.id, outcome="err.request.bad", now=admitted.now)
        return _error(409, "err.request.bad", "this transaction_id was used before for this action; use a new one")
    tasks.queue_work(dci, txn.id)
    g.dci_result = "rcvd"
    header = callback_header(answer_action, "rcvd", admitted.now, dci.sender_id, partner.name)
    ack = {"ack_status": "ACK", "timestamp": iso(admitted.now), "correlation_id": txn.correlation_id}
    return jsonify(dci.signed(header, ack))


def _search(admitted: Admitted, correlation_id: str) -> tuple[Outcome, str]:
    dci, rt = admitted.dci, admitted.dci.rt
    outcome = search(request_unit().reads, admitted.partner, admitted.caller.scopes, admitted.incoming.message,
                     rt.rules, rt.clock.today(), admitted.now, dci.limits, correlation_id)
    return outcome, "succ"


def _txn_status(admitted: Admitted, correlation_id: str) -> tuple[Outcome, str]:
    status, message = work.txn_status(request_unit().session, admitted.partner, admitted.incoming.message)
    return Outcome(message=message or {}), status


def _enrolled(admitted: Admitted, correlation_id: str) -> tuple[Outcome, str]:
    dci = admitted.dci
    return enrolled(request_unit().reads, admitted.partner, admitted.incoming.message, admitted.now,
                    dci.limits.region, correlation_id), "succ"


@bp.post("/registry/sync/search")
@documented(Operation("Search members, answered at once",
                      "Each search_request item is one query: idtype-value on SSN, UIN (national ID) or MOBILE; "
                      "predicate or expression over the attributes listed. A record holds "
                      "what the purpose and scopes allow.",
                      "Sync", scopes=(SEARCH,), request="SearchRequest", response="SearchResponse"))
def sync_search() -> Response:
    return answer_now("search", "on-search", (SEARCH,), _search)


@bp.post("/registry/sync/txn/status")
@documented(Operation("Where an async request stands", "By transaction_id or correlation_id: pending, or its answer "
                      "again.",
                      "Sync", scopes=(SEARCH, SUBSCRIBE), request="TxnStatusRequest",
                      response="TxnStatusResponse"))
def sync_txn_status() -> Response:
    return answer_now("txn-status", "txn-on-status", (SEARCH, SUBSCRIBE), _txn_status)


@bp.post("/registry/sync/enrolled")
@documented(Operation("Is this person insured by LSSO?", "IBR's enrolled check: yes or no, with the scheme and the "
                      "member's status.",
                      "Sync", scopes=(SEARCH,), request="EnrolledRequest", response="EnrolledResponse"))
def sync_enrolled() -> Response:
    return answer_now("search", "on-search", (SEARCH,), _enrolled)


@bp.post("/registry/search")
@documented(Operation("Search members, answered by callback", "Acknowledged at once; the answer is posted to the "
                      "partner's /registry/on-search.",
                      "Async", scopes=(SEARCH,), request="SearchRequest",
                      callback=("/registry/on-search", "SearchResponse")))
def async_search() -> Response:
    return take("search", "on-search", SEARCH)


@bp.post("/registry/subscribe")
@documented(Operation("Subscribe to events about members", "Event types and a filter; each matching event is posted "
                      "to the partner's /registry/notify (schema Notify).",
                      "Async", scopes=(SUBSCRIBE,), request="SubscribeRequest",
                      callback=("/registry/on-subscribe", "SubscribeResponse")))
def async_subscribe() -> Response:
    return take("subscribe", "on-subscribe", SUBSCRIBE)


@bp.post("/registry/unsubscribe")
@documented(Operation("End subscriptions", "By their codes.",
                      "Async", scopes=(SUBSCRIBE,), request="UnsubscribeRequest",
                      callback=("/registry/on-unsubscribe", "UnsubscribeResponse")))
def async_unsubscribe() -> Response:
    return take("unsubscribe", "on-unsubscribe", SUBSCRIBE)


@bp.post("/registry/txn/status")
@documented(Operation("Where an async request stands, answered by callback", "As sync/txn/status, posted to "
                      "the partner's /registry/txn/on-status.",
                      "Async", scopes=(SEARCH, SUBSCRIBE), request="TxnStatusRequest",
                      callback=("/registry/txn/on-status", "TxnStatusResponse")))
def async_txn_status() -> Response:
    return take("txn-status", "txn-on-status", SEARCH, SUBSCRIBE)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return jsonify(openapi.document(current_app))


@bp.get("/docs")
def docs() -> Response:
    """Swagger UI over /dci/openapi.json, every file served from here."""
    return Response(DOCS_PAGE, mimetype="text/html")


@bp.get("/docs/<path:name>")
def docs_file(name: str) -> Response:
    if name == "start.js":
        return Response(DOCS_START, mimetype="text/javascript")
    if name not in DOCS_FILES:
        abort(404)
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, name, max_age=86400)


DOCS_FILES = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LSSO Connect partner API</title>
<link rel="stylesheet" href="docs/swagger-ui.css"><link rel="icon" href="docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script><script src="docs/swagger-ui-standalone-preset.js"></script>
<script src="docs/start.js"></script></body></html>
"""
DOCS_START = """window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});
"""
