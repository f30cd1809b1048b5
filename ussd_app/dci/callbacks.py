"""Callbacks and notifications we owe partners: a row first (its key makes each owed once), then a
job that signs and posts it. Like the SMS outbox, the row is the truth and a job only its id.

A partner answering 2xx has it. A connection error, a timeout, 408, 429 or 5xx: tried again after
DCI_CALLBACK_BACKOFF (the message keeps its header, message_id included, so a partner that did
get the first try sees the same message_id again and takes it once, as DCI intends). Any other
4xx is final. The sweep gives lost jobs back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ussd_app.dci.models import Callback, CallbackStatus

log = logging.getLogger(__name__)

TIMEOUT = (3.05, 10)  # connect, read
RETRY_STATUSES = {408, 425, 429}


def owe(session: Session, key: str, partner_id: int, url: str, action: str, body: dict[str, Any],
        now: datetime) -> int | None:
    """The callback's id, written in the caller's transaction; None if it is owed already."""
    if session.execute(select(Callback.id).where(Callback.key == key)).first():
        return None
    row = Callback(key=key[:160], partner_id=partner_id, url=url, action=action, body=body, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


def claim(session: Session, callback_id: int, now: datetime) -> Callback | None:
    """The callback, taken for sending, if it is queued and due. Commits."""
    taken = session.execute(
        update(Callback)
        .where(Callback.id == callback_id, Callback.status == CallbackStatus.QUEUED.value,
               (Callback.not_before.is_(None)) | (Callback.not_before <= now))
        .values(status=CallbackStatus.SENDING.value, claimed_at=now, attempts=Callback.attempts + 1)
        .returning(Callback.id)
    ).first()
    session.commit()
    return session.get(Callback, callback_id) if taken else None


def post(url: str, body: dict[str, Any], bearer: str) -> tuple[bool, bool, str]:
    """(delivered, worth retrying, what happened)."""
    try:
        reply = requests.post(url, json=body, timeout=TIMEOUT, headers={"Authorization": f"Bearer {bearer}"})
    except requests.RequestException as exc:
        return False, True, f"no answer: {type(exc).__name__}"
    if 200 <= reply.status_code < 300:
        return True, False, f"HTTP {reply.status_code}"
    retry = reply.status_code >= 500 or reply.status_code in RETRY_STATUSES
    return False, retry, f"HTTP {reply.status_code}: {reply.text[:200]}"


def record(session: Session, callback: Callback, delivered: bool, retry: bool, detail: str, now: datetime,
           backoff: tuple[int, ...]) -> datetime | None:
    """Write the outcome; returns when to try again, if it will be. Commits."""
    if delivered:
        callback.status, callback.sent_at, callback.last_error = CallbackStatus.SENT.value, now, None
        session.commit()
        return None
    callback.last_error = detail
    if retry and callback.attempts <= len(backoff):
        when = now + timedelta(seconds=backoff[callback.attempts - 1])
        callback.status, callback.not_before = CallbackStatus.QUEUED.value, when
        session.commit()
        log.warning("DCI %s to %s not delivered (%s); again at %s", callback.action, callback.url, detail,
                    when.isoformat())
        return when
    callback.status = CallbackStatus.FAILED.value
    session.commit()
    log.error("DCI %s to %s failed for good: %s", callback.action, callback.url, detail)
    return None


def lost(session: Session, now: datetime, after: int) -> list[int]:
    """Callbacks whose job is gone: queued and due for `after` seconds, or claimed by a sender
    that long ago (it died: a post gives up well before). Commits."""
    stale = now - timedelta(seconds=after)
    session.execute(update(Callback).where(Callback.status == CallbackStatus.SENDING.value,
                                           Callback.claimed_at < stale)
                    .values(status=CallbackStatus.QUEUED.value))
    due = stale
    found = list(session.execute(
        select(Callback.id).where(Callback.status == CallbackStatus.QUEUED.value,
                                  (Callback.not_before.is_(None)) | (Callback.not_before < due),
                                  Callback.created_at < due)
    ).scalars())
    session.commit()
    return found
