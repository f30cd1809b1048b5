"""What a phone chose for itself on USSD (the engine's PhoneSettings port, and the write).

For now one choice: whether a result the session dropped on comes by SMS (ussd/dropped.py).
Kept by phone, not by member: it is the phone that gets the SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from ussd_app.core.database import Base, utcnow
from ussd_app.core.extensions import Unit


class PhoneSetting(Base):
    __tablename__ = "phone_settings"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)  # E.164
    answers_by_sms: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SqlPhoneSettings:
    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def answers_by_sms(self, phone: str) -> bool | None:
        found = self.unit.reads.execute(
            select(PhoneSetting.answers_by_sms).where(PhoneSetting.phone == phone)).scalar()
        return None if found is None else bool(found)


def choose_answers_by_sms(session: Session, phone: str, enabled: bool) -> None:
    """Insert or update, in the caller's transaction (a race of two inserts: the second updates)."""
    change = update(PhoneSetting).where(PhoneSetting.phone == phone).values(answers_by_sms=enabled,
                                                                            updated_at=utcnow())
    if session.execute(change).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(PhoneSetting(phone=phone, answers_by_sms=enabled))
    except IntegrityError:
        session.execute(change)
