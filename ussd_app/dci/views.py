"""The /dci/ endpoints. Each call: bearer token and scope, rate limit, envelope, the partner's
signature when it registered a key, the message_id claimed in the audit log, then the work;
every answer signed with our key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ussd_app.core.extensions import request_unit
from ussd_app.dci import audit, oauth
from ussd_app.dci.api import Dci, dci_of
from ussd_app.dci.envelope import Rejected, TransportError, new_id, read_request
from ussd_app.dci.keys import BadSignature, read_public_key, verify
from ussd_app.dci.models import Scope
from ussd_app.dci.queries import BadQuery
from ussd_app.dci.search import Outcome, search

bp = Blueprint("dci", __name__, url_prefix="/dci")

Work = Callable[[Dci, oauth.Caller, dict[str, Any], str], Outcome]


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify({"errors": [{"code": code, "message": message}]})
    response.status_code = status
    return response


@bp.post("/oauth2/client/token")
def token() -> Response:
    """OAuth2 client credentials (RFC 6749 4.4): client_id and client_secret in the form or Basic auth."""
    response: Response = dci_of().server.create_token_response()
    return response


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    return jsonify({"keys": [dci_of().key.public_jwk()]})


def handle(action: str, answer_action: str, scope: str, work: Work) -> Response:
    dci = dci_of()
    rt = dci.rt
    try:
        caller = oauth.caller(dci.protector, rt.clients, scope)
    except oauth.NotAuthorised as exc:
        return _error(exc.status, exc.code, exc.message)
    partner = caller.partner
    if not dci.allowed(partner.client_id):
        return _error(429, "err.request.too_many_requests", f"more than {dci.rate} calls")
    now = rt.clock.now()
    body = request.get_json(silent=True)
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
    except TransportError as exc:
        return _error(exc.status, exc.code, exc.message)
    except Rejected as exc:
        message_id = str((body or {}).get("header", {}).get("message_id", ""))
        return jsonify(dci.answer(answer_action, None, partner.name, status="rjct", reason=exc)) if message_id else \
            _error(400, "err.request.bad", exc.message)
    session = request_unit().session
    transaction_id = str(incoming.message.get("transaction_id", ""))
    try:
        access = audit.claim(session, partner, incoming.message_id, transaction_id, action, now)
    except audit.DuplicateMessage:
        reason = Rejected("rjct.message_id.duplicate", f"message_id {incoming.message_id} was sent before")
        return jsonify(dci.answer(answer_action, None, partner.name, status="rjct", reason=reason))
    try:
        outcome = work(dci, caller, incoming.message, new_id())
    except BadQuery as exc:
        audit.finish(session, access.id, partner.id, outcome="err.request.bad", now=now)
        return _error(400, "err.request.bad", exc.message)
    audit.finish(session, access.id, partner.id, outcome="succ", purposes=outcome.purposes,
                 member_ids=outcome.member_ids, asked_hash=audit.identifiers_hash(dci.audit_key, outcome.queries),
                 now=now)
    total = len(incoming.message.get("search_request") or []) or 1
    return jsonify(dci.answer(answer_action, outcome.message, partner.name, total=total, completed=total))


def _search(dci: Dci, caller: oauth.Caller, message: dict[str, Any], correlation_id: str) -> Outcome:
    rt = dci.rt
    return search(request_unit().reads, caller.partner, caller.scopes, message, rt.rules, rt.clock.today(),
                  rt.clock.now(), dci.limits, correlation_id)


@bp.post("/registry/sync/search")
def sync_search() -> Response:
    return handle("search", "on-search", Scope.SEARCH.value, _search)
