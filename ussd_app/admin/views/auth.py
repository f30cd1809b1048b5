"""Sign in and out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ussd_app.admin import bp
from ussd_app.admin.audit import record
from ussd_app.admin.auth import SignInRefused, current_user, sign_in, sign_out
from ussd_app.admin.forms import LoginForm
from ussd_app.admin.i18n import COOKIE_KEY, LANGUAGES
from ussd_app.core.database import utcnow
from ussd_app.core.extensions import db


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = sign_in(form.email.data, form.password.data, request.remote_addr or "-")
        except SignInRefused as exc:
            record(db(), form.email.data.strip().lower()[:200], "sign-in refused", "", str(exc))
            db().commit()
            flash(_(str(exc)), "error")  # marked for translation where raised
            return render_template("admin/login.html", form=form), 401
        user.last_login_at = utcnow()
        record(db(), user.email, "signed in")
        db().commit()
        target = request.args.get("next", "")
        # Only back inside the console: never an open redirect.
        return redirect(target if target.startswith("/admin/") else url_for("admin.menus"))
    return render_template("admin/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    user = current_user()
    if user is not None:
        record(db(), user.email, "signed out")
        db().commit()
    sign_out()
    flash(_("Signed out."), "info")
    return redirect(url_for("admin.login"))


@bp.post("/language")
def language() -> ResponseReturnValue:
    """The console's language: kept on the user's account (and, before signing in, the session)."""
    chosen = request.form.get("lang", "")
    if chosen not in LANGUAGES:
        return redirect(url_for("admin.menus"))
    user = current_user()
    if user is not None and user.language != chosen:
        user.language = chosen
        record(db(), user.email, "language chosen", "", chosen)
        db().commit()
    session[COOKIE_KEY] = chosen
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/admin/") else url_for("admin.menus"))


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("admin.menus"))
