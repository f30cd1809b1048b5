"""Signing in and roles: staff only, a role per user, sign-in attempts throttled in Redis."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ussd_app.admin.models import AdminUser, Role
from ussd_app.extensions import db, redis_client
from ussd_app.guards import Policy, RedisGuard, Window
from ussd_app.services import app_services

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


SIGN_IN_POLICY = Policy("admin-signin", (Window(MAX_FAILURES, LOCK_SECONDS, LOCK_SECONDS),))


def _sign_in_guard() -> RedisGuard:
    app = current_app
    guard = app.extensions.get("lsso_sign_in_guard")
    if guard is None:
        services = app_services(app)
        guard = app.extensions["lsso_sign_in_guard"] = RedisGuard(redis_client(), SIGN_IN_POLICY,
                                                                  lambda: services.clock.now().timestamp())
    return guard


def sign_in(email: str, password: str, ip: str) -> AdminUser:
    """The user, or SignInRefused with a message that does not say whether the email exists.

    The try is counted (per email and per address) before the password is checked, so parallel
    sign-ins cannot check more than MAX_FAILURES passwords."""
    email = email.strip().lower()
    subjects = (f"email:{email}", f"ip:{ip}")
    guard = _sign_in_guard()
    if not guard.attempt(*subjects).allowed:
        raise SignInRefused("Too many failed sign-ins. Wait 15 minutes and try again.")
    user = db().execute(select(AdminUser).where(AdminUser.email == email)).scalar()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise SignInRefused("Wrong email or password.")
    guard.passed(*subjects)
    session.clear()
    session["admin_id"] = user.id
    session["admin_key"] = _key(user)
    session.permanent = True
    return user


def sign_out() -> None:
    session.clear()


def _key(user: AdminUser) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
