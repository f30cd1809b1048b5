"""Opting out of reminders (STOP, ຢຸດ, or AT's own opt-out) and back in (START)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms.models import SmsOptOut

STOP_WORDS = {"STOP", "ຢຸດ", "STOPALL", "UNSUBSCRIBE"}
START_WORDS = {"START", "ເລີ່ມ", "SUBSCRIBE"}


def keyword(text: str) -> str | None:
    """'stop', 'start' or None for the first word of an inbound SMS."""
    words = text.strip().split()
    first = words[0].upper().strip(".!") if words else ""
    if first in STOP_WORDS:
        return "stop"
    if first in START_WORDS:
        return "start"
    return None


def set_opt_out(session: Session, phone: str, opted_out: bool, source: str) -> bool:
    """Record the choice; True if it changed anything."""
    row = session.get(SmsOptOut, phone)
    if row is None:
        if not opted_out:
            return False
        session.add(SmsOptOut(phone=phone, opted_out=True, source=source))
        return True
    if row.opted_out == opted_out:
        return False
    row.opted_out, row.source = opted_out, source
    return True


def opted_out_phones(session: Session) -> set[str]:
    return set(session.execute(select(SmsOptOut.phone).where(SmsOptOut.opted_out.is_(True))).scalars())
