"""Admin users, the audit log, and the conversation tests staff keep per menu."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.core.database import Base, utcnow


class Role(StrEnum):
    VIEWER = "viewer"  # reads everything
    EDITOR = "editor"  # also edits drafts and conversation tests
    PUBLISHER = "publisher"  # also publishes and rolls back

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class AdminUser(Base):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))  # werkzeug's scrypt hash
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8), default="lo")  # the console's language for this user
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class AdminSession(Base):
    """One signed-in session, so that signing out ends it on the server: the cookie alone, still
    valid for hours, opens nothing once its row says it ended."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a random token, also in the signed cookie
    user_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what, when: every admin action, and every sign-in attempt."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class ConversationTest(Base):
    """A scripted conversation ("dial, 1, PIN -> expect 'contributions'") that must pass for a
    version of the menu to be published. It belongs to the version it was written for, and a
    draft starts with a copy of its base version's tests: a test written for one draft never
    holds up another (nor a roll-back to a version that never had it). Tests from before
    versions had tests (no version) belong to every version."""

    __tablename__ = "conversation_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("menu_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    script: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_result: Mapped[str] = mapped_column(Text, default="")
    last_run_at: Mapped[datetime | None]
