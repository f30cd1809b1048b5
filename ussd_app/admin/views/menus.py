"""Menu versions: list, draft, edit and check, publish (conversation tests must pass), roll back."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app import menu_versions as mv
from ussd_app.admin import bp
from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm, DraftForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import run_all
from ussd_app.extensions import db
from ussd_app.menus import menu_store


@bp.get("/menus")
@requires(Role.VIEWER)
def menus() -> ResponseReturnValue:
    menu_store().current_version()  # seeds version 1 on a fresh database
    versions = db().execute(select(mv.MenuVersion).order_by(mv.MenuVersion.id.desc())).scalars().all()
    return render_template("admin/menus.html", versions=versions, current=mv.current_id(db()), form=ActionForm())


@bp.post("/menus/drafts")
@requires(Role.EDITOR)
def new_draft() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    menu_store().current_version()
    draft = mv.new_draft(db(), current_user().email)
    record(db(), current_user().email, "draft created", f"menu version {draft.id}", draft.note)
    db().commit()
    return redirect(url_for("admin.menu", version_id=draft.id))


@bp.route("/menus/<int:version_id>", methods=["GET", "POST"])
@requires(Role.VIEWER)
def menu(version_id: int) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    form = DraftForm(yaml=version.yaml)
    status = 200
    if form.is_submitted():
        if not current_user() or Role(current_user().role).rank < Role.EDITOR.rank:
            abort(403)
        if form.validate():
            before = version.yaml
            try:
                version = mv.save_draft(db(), version_id, form.yaml.data.replace("\r\n", "\n"))
            except mv.NotAllowed as exc:
                flash(str(exc), "error")
                return redirect(url_for("admin.menu", version_id=version_id))
            record(db(), current_user().email, "draft saved", f"menu version {version_id}",
                   text_diff(before, version.yaml))
            db().commit()
            errors = sum(p["level"] == "error" for p in version.problem_list)
            warnings = len(version.problem_list) - errors
            flash(f"Saved. {errors} problem(s) to fix before publishing, {warnings} warning(s)."
                  if errors else f"Saved. No problems ({warnings} warning(s)): it can be published.",
                  "error" if errors else "ok")
            return redirect(url_for("admin.menu", version_id=version_id))
        status = 400
    base = db().get(mv.MenuVersion, version.based_on) if version.based_on else None
    diff = text_diff(base.yaml, version.yaml) if base else ""
    return render_template("admin/menu.html", version=version, form=form, action=ActionForm(),
                           current=mv.current_id(db()), diff=diff, problems=version.problem_list), status


@bp.post("/menus/<int:version_id>/publish")
@requires(Role.PUBLISHER)
def publish(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    errors = [p for p in mv.check(version.yaml) if p.level == "error"]
    if errors:
        flash(f"Not published: {len(errors)} problem(s) must be fixed first, e.g. {errors[0]}", "error")
        return redirect(url_for("admin.menu", version_id=version_id))
    failing = [t for t, result in run_all(db(), version.yaml, str(version_id)) if not result.passed]
    if failing:
        db().commit()  # keeps each test's last result
        flash(f"Not published: {len(failing)} conversation test(s) fail: "
              + "; ".join(f"{t.name}: {t.last_result.splitlines()[0]}" for t in failing), "error")
        return redirect(url_for("admin.menu", version_id=version_id))
    try:
        mv.publish(db(), version_id, current_user().email)
    except mv.NotAllowed as exc:
        db().commit()
        flash(f"Not published: {exc}", "error")
        return redirect(url_for("admin.menu", version_id=version_id))
    record(db(), current_user().email, "published", f"menu version {version_id}")
    db().commit()
    menu_store().published(version_id)
    flash(f"Version {version_id} is live: new USSD sessions use it.", "ok")
    return redirect(url_for("admin.menus"))


@bp.post("/menus/<int:version_id>/rollback")
@requires(Role.PUBLISHER)
def roll_back(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    before = mv.current_id(db())
    try:
        mv.roll_back(db(), version_id, current_user().email)
    except mv.NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.menus"))
    record(db(), current_user().email, "rolled back", f"menu version {version_id}", f"from version {before}")
    db().commit()
    menu_store().published(version_id)
    flash(f"Version {version_id} is live again (was {before}).", "ok")
    return redirect(url_for("admin.menus"))
