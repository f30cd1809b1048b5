"""AT's end-of-session notices, kept for analytics (where members give up, timeouts, errors)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class UssdSessionEvent(Base):
    __tablename__ = "ussd_session_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(40), default="")
    service_code: Mapped[str] = mapped_column(String(40), default="")
    phone_masked: Mapped[str] = mapped_column(String(20), default="")  # analytics need no full number
    network_code: Mapped[str] = mapped_column(String(20), default="")
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    hops_count: Mapped[int | None] = mapped_column(Integer)
    # AT's `input` (it may hold a PIN) and `lastAppResponse` (a member's figures) are not kept:
    # the node the session stood on says where it ended.
    last_node: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(2), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
