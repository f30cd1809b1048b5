"""The partner API's tables: partners, their members' consents, every access, transactions,
subscriptions, and the outbox of callbacks and notifications we owe them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class Scope(StrEnum):
    SEARCH = "registry.search"
    SUBSCRIBE = "registry.subscribe"
    ELIGIBILITY = "lsso.eligibility.read"
    CONTRIBUTIONS = "lsso.contributions.read"


class Basis(StrEnum):
    """The legal basis a partner queries under."""

    LAW = "law"  # a decree or an agreement between ministries: no consent asked
    CONSENT = "consent"  # each member must have said yes on USSD


class Partner(Base):
    __tablename__ = "dci_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # also its DCI sender_id
    # What members hear it called on USSD (consent, "who looked at my record"): short, in each language.
    label_lo: Mapped[str | None] = mapped_column(String(40))
    label_en: Mapped[str | None] = mapped_column(String(40))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))  # hashed like an admin password; shown once
    scopes: Mapped[str] = mapped_column(Text)  # space-separated Scope values
    purposes: Mapped[str] = mapped_column(Text)  # space-separated purpose codes; the first is the default
    basis: Mapped[str] = mapped_column(String(16))
    callback_url: Mapped[str | None] = mapped_column(String(300))  # the only base URL callbacks may go to
    public_key: Mapped[str | None] = mapped_column(Text)  # its Ed25519 key: its signatures are then checked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def purpose_list(self) -> list[str]:
        return self.purposes.split()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def labels(self) -> dict[str, str]:
        return {"lo": self.label_lo or self.label_en or self.name, "en": self.label_en or self.name}


class PartnerConsent(Base):
    """A member's yes (or withdrawn yes) to a partner that needs consent."""

    __tablename__ = "dci_consents"
    __table_args__ = (UniqueConstraint("partner_id", "member_id", name="uq_dci_consents_partner_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    given: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Access(Base):
    """One call of a partner: what it asked, under which purpose, and how many records went out."""

    __tablename__ = "dci_access_log"
    __table_args__ = (UniqueConstraint("partner_id", "message_id", name="uq_dci_access_partner_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(100))
    transaction_id: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40))
    identifiers_hash: Mapped[str] = mapped_column(String(64), default="")  # keyed: the identifiers searched
    purpose: Mapped[str] = mapped_column(String(60), default="")
    records_returned: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(60), default="")  # succ, or the reason code
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RecordSeen(Base):
    """A member record a partner received: what the member hears on USSD ("who looked at me")."""

    __tablename__ = "dci_records_seen"
    __table_args__ = (Index("ix_dci_records_seen_member_at", "member_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    access_id: Mapped[int] = mapped_column(ForeignKey("dci_access_log.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TxnStatus(StrEnum):
    RECEIVED = "rcvd"
    PENDING = "pdng"
    SUCCEEDED = "succ"
    REJECTED = "rjct"


class Transaction(Base):
    """An asynchronous request and, once done, the message its callback carried (txn/status reads it)."""

    __tablename__ = "dci_transactions"
    __table_args__ = (UniqueConstraint("partner_id", "transaction_id", "action", name="uq_dci_txn_partner_id_action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"), index=True)
    transaction_id: Mapped[str] = mapped_column(String(100))
    correlation_id: Mapped[str] = mapped_column(String(64), unique=True)
    action: Mapped[str] = mapped_column(String(40))  # search, subscribe, unsubscribe
    status: Mapped[str] = mapped_column(String(8), default=TxnStatus.RECEIVED.value)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the message as received (what the job works from)
    reply_to: Mapped[str] = mapped_column(String(400), default="")  # header.sender_uri, checked on arrival
    access_id: Mapped[int | None] = mapped_column(ForeignKey("dci_access_log.id", ondelete="SET NULL"))
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the callback's message, once made
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Subscription(Base):
    __tablename__ = "dci_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(60))
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"type": query_type, "query": …}
    purpose: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class CallbackStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # retries used up, or refused for good (a 4xx other than 408/429)


class Callback(Base):
    """A message we owe a partner (an on-search, on-subscribe … or a notify), sent by an RQ job.
    The row is the truth, as in the SMS outbox: a key makes each one owed once."""

    __tablename__ = "dci_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)  # e.g. notify:{subscription}:{event}
    partner_id: Mapped[int] = mapped_column(ForeignKey("dci_partners.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(40))  # on-search, on-subscribe, on-unsubscribe, on-status, notify
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"header": …, "message": …}; signed when sent
    status: Mapped[str] = mapped_column(String(16), default=CallbackStatus.QUEUED.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
