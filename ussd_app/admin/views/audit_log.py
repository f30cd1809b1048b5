"""The audit log: who did what, when."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import AuditEntry, Role
from ussd_app.core.extensions import db

PAGE = 100


@bp.get("/audit")
@requires(Role.VIEWER)
def audit() -> ResponseReturnValue:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE)
    actor = request.args.get("actor", "").strip()
    if actor:
        query = query.where(AuditEntry.actor == actor.lower())
    return render_template("admin/audit.html", entries=db().execute(query).scalars().all(), actor=actor)
