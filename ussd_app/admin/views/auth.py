"""Sign in and out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ussd_app.admin import bp
from ussd_app.admin.audit import record
from ussd_app.admin.auth import SignInRefused, current_user, sign_in, sign_out
from ussd_app.admin.forms import LoginForm
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
            flash(str(exc), "error")
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
    flash("Signed out.", "info")
    return redirect(url_for("admin.login"))


@bp.get("/")
def home() -> ResponseReturnValue:
    return redirect(url_for("admin.menus"))
