"""Tables of the voluntary scheme by phone: applications, declared incomes and payments. Money is
integer LAK; periods are 'YYYY-MM' strings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class ApplicationStatus(StrEnum):
    OPEN = "open"  # sent by phone, waiting for the member to show their documents
    APPROVED = "approved"
    REJECTED = "rejected"


class IdKind(StrEnum):
    NATIONAL_ID = "national_id"
    FAMILY_BOOK = "family_book"


class ApplicationNumber(Base):
    """One number per USSD session that reached the last step: the reference is on the screen
    before the application is saved (effects are applied after the screen is decided), and a
    hop run again for the same session must show the same one."""

    __tablename__ = "application_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'approved', 'rejected')", name="status"),
        CheckConstraint("id_kind IN ('national_id', 'family_book')", name="id_kind"),
        CheckConstraint("sex IN ('M', 'F')", name="sex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    session_id: Mapped[str] = mapped_column(String(64), unique=True)  # a replayed submit saves nothing twice
    phone: Mapped[str] = mapped_column(String(16), index=True)
    language: Mapped[str] = mapped_column(String(2))
    id_kind: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str] = mapped_column(String(20), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    province: Mapped[str] = mapped_column(String(40), index=True)
    district: Mapped[str] = mapped_column(String(40))
    occupation: Mapped[str] = mapped_column(String(20))
    declared_income_lak: Mapped[int] = mapped_column(BigInteger)
    full_name: Mapped[str | None] = mapped_column(String(60))  # Latin letters, as typed; optional
    status: Mapped[str] = mapped_column(String(10), default=ApplicationStatus.OPEN.value, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was rejected
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class DeclaredIncome(Base):
    """The income a voluntary member declares, from a month on: contributions are due on the
    income in force for each month, so a change never rewrites months already due."""

    __tablename__ = "declared_incomes"
    __table_args__ = (UniqueConstraint("member_id", "from_period", name="uq_declared_income_member_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    from_period: Mapped[str] = mapped_column(String(7))
    income_lak: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(12))  # application, ussd
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentStatus(StrEnum):
    APPLIED = "applied"  # paid one or more months
    SHORT = "short"  # less than a month's contribution: kept as credit for the next payment


class Payment(Base):
    """A line of a bank or mobile-money statement that matched a member, kept once per transaction."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("status IN ('applied', 'short')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str] = mapped_column(String(12))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    amount_lak: Mapped[int] = mapped_column(BigInteger)
    applied_lak: Mapped[int] = mapped_column(BigInteger)  # what went to months (may use earlier credit)
    periods: Mapped[str] = mapped_column(String(200))  # the months it paid, 'YYYY-MM' comma-separated
    status: Mapped[str] = mapped_column(String(10))
    paid_at: Mapped[datetime]
    source_file: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
