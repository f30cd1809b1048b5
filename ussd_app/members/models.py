"""Member and contribution tables. Money is integer LAK; periods are 'YYYY-MM' strings."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ussd_app.core.database import Base, utcnow


class Scheme(StrEnum):
    ENTERPRISE = "enterprise"
    PUBLIC = "public"
    VOLUNTARY = "voluntary"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"
    DECEASED = "deceased"


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


LANGUAGES = ("lo", "en")


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(_in("scheme", [s.value for s in Scheme]), name="scheme"),
        CheckConstraint(_in("status", [s.value for s in MemberStatus]), name="status"),
        CheckConstraint(_in("sex", [s.value for s in Sex]), name="sex"),
        CheckConstraint(_in("language", list(LANGUAGES)), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ssn: Mapped[str] = mapped_column(String(13), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(20), unique=True)  # the national ID card's number
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    scheme: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value)
    registered_on: Mapped[date | None] = mapped_column(Date)
    province: Mapped[str | None] = mapped_column(String(40), index=True)  # where the member lives
    district: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), default="lo")
    # A voluntary member's standing as last checked (members/arrears.py); None: not checked yet.
    in_arrears: Mapped[bool | None]
    # Phone linking and PIN: the hash is "v1$salt$hmac" (see members/pins.py), never the PIN.
    linked_at: Mapped[datetime | None]
    pin_hash: Mapped[str | None] = mapped_column(String(120))
    pin_changed_at: Mapped[datetime | None]
    pin_locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="member", order_by="Contribution.period", cascade="all, delete-orphan"
    )


class Contribution(Base):
    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("member_id", "period", name="uq_contributions_member_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    insured_wage_lak: Mapped[int] = mapped_column(BigInteger)
    employee_lak: Mapped[int] = mapped_column(BigInteger)
    employer_lak: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date)

    member: Mapped[Member] = relationship(back_populates="contributions")

    @property
    def total_lak(self) -> int:
        return self.employee_lak + self.employer_lak
