"""The asynchronous calls: taken at once (ACK), worked by an RQ job, answered by a callback to the
partner's on-search / on-subscribe / on-unsubscribe / txn/on-status endpoint.

The transaction row keeps the request, and then the answer, so /registry/txn/status can tell a
partner where its request stands and give the answer again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ussd_app.dci import audit, callbacks, queries, subscriptions
from ussd_app.dci.api import Dci
from ussd_app.dci.envelope import Request, callback_header, new_id
from ussd_app.dci.models import Partner, Transaction, TxnStatus
from ussd_app.dci.search import search

ANSWERS = {"search": "on-search", "subscribe": "on-subscribe", "unsubscribe": "on-unsubscribe",
           "txn-status": "txn-on-status"}
STATUS_OF = ("search", "subscribe", "unsubscribe")  # the transactions txn/status reports on
CALLBACK_PATHS = {"search": "/registry/on-search", "subscribe": "/registry/on-subscribe",
                  "unsubscribe": "/registry/on-unsubscribe", "txn-status": "/registry/txn/on-status"}


def items_in(message: dict[str, Any]) -> int:
    """How many requests a message holds (the answer's total_count)."""
    for name in ("search_request", "subscribe_request"):
        if isinstance(message.get(name), list):
            return len(message[name]) or 1
    return 1


def callback_url(base: str, action: str) -> str:
    """The partner's endpoint for the answer to `action`: under `base`, unless `base` is that
    endpoint already (DCI's own example of a sender_uri ends in /on-search)."""
    path = CALLBACK_PATHS[action]
    return base if base.endswith(path.rsplit("/", 1)[-1]) else base.rstrip("/") + path


def accept(session: Session, partner: Partner, incoming: Request, access_id: int, reply_to: str,
           now: datetime) -> Transaction:
    """The transaction of an async request, received. Commits."""
    txn = Transaction(partner_id=partner.id, transaction_id=str(incoming.message.get("transaction_id", ""))[:100],
                      correlation_id=new_id(), action=incoming.action, request=incoming.message, reply_to=reply_to,
                      access_id=access_id, created_at=now)
    session.add(txn)
    session.commit()
    return txn


def answer_of(dci: Dci, session: Session, partner: Partner, action: str, message: dict[str, Any],
              correlation_id: str, now: datetime) -> tuple[dict[str, Any] | None, str, audit.Summary]:
    """(the answer's message, the header's status, what to record) for one request."""
    rt = dci.rt
    summary = audit.Summary()
    if action == "search":
        found = search(session.connection(), partner, partner.scope_list, message, rt.rules, rt.clock.today(), now,
                       dci.limits, correlation_id)
        summary = audit.Summary(found.member_ids, found.purposes, found.queries)
        return found.message, "succ", summary
    if action == "subscribe":
        return subscriptions.subscribe(session, partner, message, rt.clock.today(), now, dci.limits.region,
                                       correlation_id), "succ", summary
    if action == "unsubscribe":
        return subscriptions.unsubscribe(session, partner, message, now, correlation_id), "succ", summary
    status, reply = txn_status(session, partner, message)
    return reply, status, summary


def txn_status(session: Session, partner: Partner, message: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """(header status, TxnStatusResponse or None) for a TxnStatusRequest of this partner."""
    asked = message.get("txnstatus_request") if isinstance(message, dict) else None
    if not isinstance(asked, dict):
        raise queries.BadQuery("rjct.search_criteria.invalid", "the message needs txnstatus_request")
    kind, value = asked.get("attribute_type"), asked.get("attribute_value")
    wanted = select(Transaction).where(Transaction.partner_id == partner.id)
    if kind == "transaction_id":
        wanted = wanted.where(Transaction.transaction_id == str(value))
    elif kind == "correlation_id":
        wanted = wanted.where(Transaction.correlation_id == str(value))
    else:
        raise queries.BadQuery("rjct.search_criteria.invalid", "ask by transaction_id or correlation_id")
    if asked.get("txn_type") in STATUS_OF:
        wanted = wanted.where(Transaction.action == asked["txn_type"])
    else:
        wanted = wanted.where(Transaction.action.in_(STATUS_OF))
    txn = session.execute(wanted.order_by(Transaction.id.desc()).limit(1)).scalar()
    if txn is None:
        return "rjct", None
    if txn.response is None:
        return "pdng", None
    return "succ", {"transaction_id": txn.transaction_id, "correlation_id": txn.correlation_id,
                    "txnstatus_response": {"txn_type": ANSWERS[txn.action], "txn_status": txn.response}}


def perform(dci: Dci, txn_id: int) -> int | None:
    """Work the transaction once and owe its callback; returns the callback's id (None: done before)."""
    rt = dci.rt
    now = rt.clock.now()
    with rt.clients.sessions() as session:
        txn = session.execute(select(Transaction).where(Transaction.id == txn_id).with_for_update()).scalar()
        if txn is None or txn.status != TxnStatus.RECEIVED.value:
            return None
        partner = session.get(Partner, txn.partner_id)
        assert partner is not None
        try:
            message, status, summary = answer_of(dci, session, partner, txn.action, txn.request, txn.correlation_id,
                                                 now)
        except queries.BadQuery as exc:
            message, status, summary = None, "rjct", audit.Summary()
            reason: Any = exc
        else:
            reason = None
        txn.response, txn.status = message, TxnStatus.SUCCEEDED.value if status != "rjct" else TxnStatus.REJECTED.value
        total = items_in(txn.request)
        header = callback_header(ANSWERS[txn.action], status, now, dci.sender_id, partner.name, total=total,
                                 completed=total if status == "succ" else 0)
        if reason is not None:
            header["status_reason_message"] = reason.message
        body: dict[str, Any] = {"header": header}
        if message is not None:
            body["message"] = message
        callback_id = callbacks.owe(session, f"txn:{txn.id}", partner.id, callback_url(txn.reply_to, txn.action),
                                    ANSWERS[txn.action], body, now)
        if txn.access_id is not None:
            audit.finish(session, txn.access_id, partner.id, outcome=status, purposes=summary.purposes,
                         member_ids=summary.member_ids,
                         asked_hash=audit.identifiers_hash(dci.audit_key, summary.queries), now=now)
        session.commit()
        return callback_id
