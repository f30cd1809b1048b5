"""The admin console: staff edit, check, try and publish menus, and watch SMS and usage.

Server-rendered (Jinja), behind sign-in; CSRF protection on every form (Flask-WTF); a role per
user (viewer < editor < publisher); every action in the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
csrf = CSRFProtect()
VIENTIANE = ZoneInfo("Asia/Vientiane")


@bp.after_request
def _headers(response: Response) -> Response:
    # Everything is served from here (no CDN): the policy can say so.
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_filter("local")
def _local(moment: datetime | None, seconds: bool = False) -> str:
    """A stored UTC time as staff read it: Asia/Vientiane (SQLite hands back naive UTC)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIENTIANE).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


@bp.app_context_processor
def _user() -> dict:
    from ussd_app.admin.auth import can, current_user
    from ussd_app.admin.i18n import LANGUAGES
    from ussd_app.admin.models import Role

    return {"user": current_user(), "can": can, "Role": Role, "ui_languages": LANGUAGES, "role_name": role_name,
            "get_locale": lambda: str(get_locale() or "lo")}


def role_name(role: str) -> str:
    return {"viewer": _("viewer"), "editor": _("editor"), "publisher": _("publisher")}.get(role, role)


def _error(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("admin/error.html", code=code, title=title, message=message), code


@bp.errorhandler(403)
def _forbidden(_exc: Exception) -> tuple[str, int]:
    return _error(403, _("Not allowed"), _("Your role does not allow this. Ask a publisher or an administrator."))


@bp.errorhandler(404)
def _missing(_exc: Exception) -> tuple[str, int]:
    return _error(404, _("Not found"), _("There is nothing here."))


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError) -> tuple[str, int]:
    return _error(400, _("Form expired"), _("The form has expired. Go back, reload the page and try again."))


def init_app(app: Flask) -> None:
    from ussd_app.admin import cli, i18n
    from ussd_app.admin.views import (  # noqa: F401
        analytics,
        applications,
        audit_log,
        auth,
        menus,
        outbox,
        partners,
        screens,
        simulator,
        tests,
        texts,
    )

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["ADMIN_COOKIE_SECURE"],
        SESSION_COOKIE_NAME="lsso_admin",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
    )
    csrf.init_app(app)
    i18n.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)
