"""Menu versions: list, draft, edit and check, publish (conversation tests must pass), roll back."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app.admin import bp
from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.auth import current_user, refuse, requires
from ussd_app.admin.forms import ActionForm, DraftForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import run_all
from ussd_app.core.extensions import db, request_unit
from ussd_app.publishing import versions as mv
from ussd_app.publishing.merge import CannotMerge
from ussd_app.ussd.runtime import runtime_of


@bp.get("/menus")
@requires(Role.VIEWER)
def menus() -> ResponseReturnValue:
    runtime_of().menus.current_version()  # seeds version 1 on a fresh database
    versions = db().execute(select(mv.MenuVersion).order_by(mv.MenuVersion.id.desc())).scalars().all()
    return render_template("admin/menus.html", versions=versions, current=mv.current_id(db()), form=ActionForm())


@bp.post("/menus/drafts")
@requires(Role.EDITOR)
def new_draft() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    runtime_of().menus.current_version()
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
        if Role(current_user().role).rank < Role.EDITOR.rank:
            refuse(current_user(), "needs the editor role to save a draft")
        if form.validate():
            before = version.yaml
            try:
                version = mv.save_draft(db(), version_id, form.yaml.data.replace("\r\n", "\n"),
                                        runtime_of().actions, runtime_of().menus.sms)
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
    live = mv.out_of_date(db(), version)
    update, update_error = None, ""
    if live is not None:
        try:
            update = mv.update_preview(db(), version)
        except CannotMerge as exc:
            update_error = str(exc)
    live_diff = text_diff(base.yaml if base else "", live.yaml, "live menu") if live is not None else ""
    return render_template("admin/menu.html", version=version, form=form, action=ActionForm(),
                           current=mv.current_id(db()), diff=diff, problems=version.problem_list,
                           live=live, update=update, update_error=update_error, live_diff=live_diff), status


@bp.post("/menus/<int:version_id>/update")
@requires(Role.EDITOR)
def bring_up_to_date(version_id: int) -> ResponseReturnValue:
    """Merge what was published since this draft was made into it; conflicts as the editor chose."""
    if not ActionForm().validate_on_submit():
        abort(400)
    choices = {k.removeprefix("choice:"): v for k, v in request.form.items() if k.startswith("choice:")}
    before = (db().get(mv.MenuVersion, version_id) or abort(404)).yaml
    try:
        draft, result = mv.bring_up_to_date(db(), version_id, choices, runtime_of().actions, runtime_of().menus.sms)
    except mv.NotAllowed as exc:
        flash(f"Not brought up to date: {exc}", "error")
        return redirect(url_for("admin.menu", version_id=version_id))
    record(db(), current_user().email, "draft brought up to date", f"menu version {version_id}",
           f"now based on version {draft.based_on}; from live: {', '.join(result.taken_from_live) or 'nothing'}; "
           f"kept mine: {', '.join(u for u in result.conflicts if choices.get(u) == 'mine') or 'nothing'}\n"
           + text_diff(before, draft.yaml))
    db().commit()
    flash(f"Brought up to date with version {draft.based_on}: check the result, then publish.", "ok")
    return redirect(url_for("admin.menu", version_id=version_id))


@bp.post("/menus/<int:version_id>/publish")
@requires(Role.PUBLISHER)
def publish(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    live = mv.out_of_date(db(), version)
    if live is not None:
        return _not_published(version_id, f"it was made from version {version.based_on} and version {live.id} "
                                          "is live now: bring it up to date first (below)")
    errors = [p for p in runtime_of().menus.check(version.yaml) if p.level == "error"]
    if errors:
        return _not_published(version_id, f"{len(errors)} problem(s) must be fixed first, e.g. {errors[0]}")
    results = run_all(runtime_of(), request_unit(), version.yaml, str(version_id))
    failing = [t for t, result in results if not result.passed]
    if failing:
        # (committed with the refusal: each test keeps its last result)
        return _not_published(version_id, f"{len(failing)} conversation test(s) fail: "
                              + "; ".join(f"{t.name}: {t.last_result.splitlines()[0]}" for t in failing))
    try:
        mv.publish(db(), version_id, current_user().email, runtime_of().actions, runtime_of().menus.sms)
    except mv.NotAllowed as exc:
        return _not_published(version_id, str(exc))
    record(db(), current_user().email, "published", f"menu version {version_id}")
    db().commit()
    runtime_of().menus.published(version_id)
    flash(f"Version {version_id} is live: new USSD sessions use it.", "ok")
    return redirect(url_for("admin.menus"))


def _not_published(version_id: int, why: str) -> ResponseReturnValue:
    record(db(), current_user().email, "publish refused", f"menu version {version_id}", why)
    db().commit()
    flash(f"Not published: {why}", "error")
    return redirect(url_for("admin.menu", version_id=version_id))


@bp.post("/menus/<int:version_id>/rollback")
@requires(Role.PUBLISHER)
def roll_back(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    before = mv.current_id(db())
    try:
        mv.roll_back(db(), version_id, current_user().email)
    except mv.NotAllowed as exc:
        record(db(), current_user().email, "roll back refused", f"menu version {version_id}", str(exc))
        db().commit()
        flash(str(exc), "error")
        return redirect(url_for("admin.menus"))
    record(db(), current_user().email, "rolled back", f"menu version {version_id}", f"from version {before}")
    db().commit()
    runtime_of().menus.published(version_id)
    flash(f"Version {version_id} is live again (was {before}).", "ok")
    return redirect(url_for("admin.menus"))
