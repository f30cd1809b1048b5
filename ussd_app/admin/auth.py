"""Signing in and roles: staff only, a role per user, sign-in attempts throttled in Redis."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ussd_app.admin.audit import record
from ussd_app.admin.models import AdminSession, AdminUser, Role
from ussd_app.core.database import utcnow
from ussd_app.core.extensions import db
from ussd_app.publishing.problems import N_
from ussd_app.ussd.guards import Policy, RedisGuard, Window
from ussd_app.ussd.runtime import runtime_of

F = TypeVar("F", bound=Callable[..., Any])

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


class SignInRefused(ValueError):
    pass


SESSION_HOURS = 8


def current_user() -> AdminUser | None:
    if "admin_user" not in g:
        user_id = session.get("admin_id")
        user = db().get(AdminUser, user_id) if user_id else None
        # A password change (or deactivation) ends every session that predates it; signing out
        # ends this one, on the server.
        if user is not None and (not user.active or session.get("admin_key") != _key(user)
                                 or not _session_open(session.get("admin_sid"), user.id)):
            user = None
        g.admin_user = user
    return g.admin_user


def _session_open(sid: str | None, user_id: int) -> bool:
    row = db().get(AdminSession, sid) if sid else None
    return row is not None and row.user_id == user_id and row.ended_at is None and _aware(row.expires_at) > utcnow()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


def requires(role: Role) -> Callable[[F], F]:
    """Not signed in: to the sign-in page. Signed in without the role: 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if Role(user.role).rank < role.rank:
                refuse(user, f"needs the {role.value} role")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def refuse(user: AdminUser, why: str) -> NoReturn:
    """403, and the audit log says who tried what."""
    record(db(), user.email, "refused", f"{request.method} {request.path}"[:200], why)
    db().commit()
    abort(403)


def can(role: Role) -> bool:
    user = current_user()
    return user is not None and Role(user.role).rank >= role.rank


SIGN_IN_POLICY = Policy("admin-signin", (Window(MAX_FAILURES, LOCK_SECONDS, LOCK_SECONDS),))


def _sign_in_guard() -> RedisGuard:
    app = current_app
    guard = app.extensions.get("lsso_sign_in_guard")
    if guard is None:
        rt = runtime_of(app)
        guard = app.extensions["lsso_sign_in_guard"] = RedisGuard(rt.clients.redis, SIGN_IN_POLICY,
                                                                  lambda: rt.clock.now().timestamp())
    return guard


def sign_in(email: str, password: str, ip: str) -> AdminUser:
    """The user, or SignInRefused with a message that does not say whether the email exists.

    The try is counted (per email and per address) before the password is checked, so parallel
    sign-ins cannot check more than MAX_FAILURES passwords."""
    email = email.strip().lower()
    subjects = (f"email:{email}", f"ip:{ip}")
    guard = _sign_in_guard()
    if not guard.attempt(*subjects).allowed:
        raise SignInRefused(N_("Too many failed sign-ins. Wait 15 minutes and try again."))
    user = db().execute(select(AdminUser).where(AdminUser.email == email)).scalar()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise SignInRefused(N_("Wrong email or password."))
    guard.passed(*subjects)
    session.clear()
    sid = secrets.token_urlsafe(32)
    db().add(AdminSession(id=sid, user_id=user.id, expires_at=utcnow() + timedelta(hours=SESSION_HOURS)))
    session["admin_id"] = user.id
    session["admin_key"] = _key(user)
    session["admin_sid"] = sid
    session.permanent = True
    return user


def sign_out() -> None:
    row = db().get(AdminSession, session.get("admin_sid") or "")
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db().commit()
    session.clear()


def _key(user: AdminUser) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
