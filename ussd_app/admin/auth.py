"""Signing in and roles: staff only, a role per user, sign-in attempts throttled in Redis."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ussd_app import keys
from ussd_app.admin.models import AdminUser, Role
from ussd_app.extensions import db, redis_client

F = TypeVar("F", bound=Callable[..., Any])

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60


class SignInRefused(ValueError):
    pass


def current_user() -> AdminUser | None:
    if "admin_user" not in g:
        user_id = session.get("admin_id")
        user = db().get(AdminUser, user_id) if user_id else None
        # A password change (or deactivation) ends every session that predates it.
        if user is not None and (not user.active or session.get("admin_key") != _key(user)):
            user = None
        g.admin_user = user
    return g.admin_user


def requires(role: Role) -> Callable[[F], F]:
    """Not signed in: to the sign-in page. Signed in without the role: 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if Role(user.role).rank < role.rank:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def can(role: Role) -> bool:
    user = current_user()
    return user is not None and Role(user.role).rank >= role.rank


def sign_in(email: str, password: str, ip: str) -> AdminUser:
    """The user, or SignInRefused with a message that does not say whether the email exists."""
    email = email.strip().lower()
    counters = [keys.ADMIN_LOGIN_FAILURES.format(who=who) for who in (f"email:{email}", f"ip:{ip}")]
    redis = redis_client()
    if any(int(redis.get(key) or 0) >= MAX_FAILURES for key in counters):
        raise SignInRefused("Too many failed sign-ins. Wait 15 minutes and try again.")
    user = db().execute(select(AdminUser).where(AdminUser.email == email)).scalar()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        pipe = redis.pipeline()
        for key in counters:
            pipe.incr(key)
            pipe.expire(key, LOCK_SECONDS, nx=True)
        pipe.execute()
        raise SignInRefused("Wrong email or password.")
    redis.delete(*counters)
    session.clear()
    session["admin_id"] = user.id
    session["admin_key"] = _key(user)
    session.permanent = True
    return user


def sign_out() -> None:
    session.clear()


def _key(user: AdminUser) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
