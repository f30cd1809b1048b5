"""The audit log: one line per admin action, written in the same transaction as the action."""

from __future__ import annotations

import difflib

from sqlalchemy.orm import Session

from ussd_app.admin.models import AuditEntry


def record(session: Session, actor: str, action: str, target: str = "", detail: str = "") -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, detail=detail[:20_000]))


def text_diff(before: str, after: str, name: str = "menu.yaml") -> str:
    """What changed, as a unified diff (empty if nothing did)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"{name} (before)", f"{name} (after)", n=1))
