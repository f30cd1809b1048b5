"""The partner API's jobs, wired to an app: work an async request, send a callback, dispatch the
events' notifications, give lost callbacks back (workers/jobs.py calls these)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from ussd_app.dci import callbacks, notify, work
from ussd_app.dci.api import Dci, dci_of
from ussd_app.dci.models import Partner, Transaction, TxnStatus

log = logging.getLogger(__name__)

SEND = "workers.jobs.dci_send"
WORK = "workers.jobs.dci_work"
DISPATCH = "workers.jobs.dci_dispatch"
MAX_DISPATCH_BATCHES = 200


def queue_work(dci: Dci, txn_id: int) -> None:
    try:
        dci.rt.clients.queue.enqueue(WORK, txn_id)
    except Exception:  # noqa: BLE001 - the transaction row is safe; the sweep finds it
        log.exception("could not queue DCI transaction %s now; the sweep will", txn_id)


def queue_send(dci: Dci, callback_ids: list[int]) -> None:
    for callback_id in callback_ids:
        try:
            dci.rt.clients.queue.enqueue(SEND, callback_id)
        except Exception:  # noqa: BLE001 - the callback row is safe; the sweep gives it back
            log.exception("could not queue DCI callback %s now; the sweep will", callback_id)


def perform(app: Flask, txn_id: int) -> None:
    dci = dci_of(app)
    callback_id = work.perform(dci, txn_id)
    if callback_id is not None:
        queue_send(dci, [callback_id])


def send(app: Flask, callback_id: int) -> str:
    dci = dci_of(app)
    rt = dci.rt
    with rt.clients.sessions() as session:
        callback = callbacks.claim(session, callback_id, rt.clock.now())
        if callback is None:
            return "skipped"
        partner = session.get(Partner, callback.partner_id)
        if partner is None or not partner.active:
            callbacks.record(session, callback, False, False, "the partner was revoked", rt.clock.now(), ())
            return "failed"
        body = dci.signed(callback.body["header"], callback.body.get("message"))
        delivered, retry, detail = callbacks.post(callback.url, body,
                                                  dci.key.bearer(partner.name, rt.clock.now().timestamp()))
        when = callbacks.record(session, callback, delivered, retry, detail, rt.clock.now(), dci.backoff)
    if when is not None:
        rt.clients.queue.enqueue_at(when, SEND, callback_id)
    return "sent" if delivered else ("retry" if when else "failed")


def dispatch(app: Flask) -> int:
    """Notifications for every event not dealt with yet, batch by batch (bounded: a flood of
    events is finished by the next run)."""
    dci = dci_of(app)
    total = 0
    for _ in range(MAX_DISPATCH_BATCHES):
        with dci.rt.clients.sessions() as session:
            owed, more = notify.dispatch(dci, session, dci.rt.clock.now())
        queue_send(dci, owed)
        total += len(owed)
        if not more:
            break
    return total


def sweep(app: Flask) -> int:
    """Callbacks whose job was lost, and async requests never worked, are queued again."""
    dci = dci_of(app)
    now = dci.rt.clock.now()
    stuck_after = timedelta(seconds=dci.lost_after)  # an async request not worked by then lost its job
    with dci.rt.clients.sessions() as session:
        lost = callbacks.lost(session, now, dci.lost_after)
        stuck = list(session.execute(select(Transaction.id).where(Transaction.status == TxnStatus.RECEIVED.value,
                                                                  Transaction.created_at < now - stuck_after))
                     .scalars())
    queue_send(dci, lost)
    for txn_id in stuck:
        queue_work(dci, txn_id)
    return len(lost) + len(stuck)
