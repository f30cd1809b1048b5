"""Menu versions: the list (with the drafts waiting for review), a new draft, the YAML tab for
experts, changes and review (what a draft changes, in words; sent for review with a note; sent
back or published), bringing a draft up to date, publishing (its conversation tests must pass)
and rolling back."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ussd_app.admin import bp, drafts
from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.auth import current_user, refuse, requires
from ussd_app.admin.forms import ActionForm, DraftForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import run_all
from ussd_app.admin.views.screens import editor_context, raw_of
from ussd_app.core.extensions import db, request_unit
from ussd_app.publishing import versions as mv
from ussd_app.publishing.changes import changes as changes_between
from ussd_app.publishing.merge import CannotMerge
from ussd_app.ussd.runtime import runtime_of


@bp.get("/menus")
@requires(Role.VIEWER)
def menus() -> ResponseReturnValue:
    runtime_of().menus.current_version()  # seeds version 1 on a fresh database
    versions = db().execute(select(mv.MenuVersion).order_by(mv.MenuVersion.id.desc())).scalars().all()
    return render_template("admin/menus.html", versions=versions, current=mv.current_id(db()), form=ActionForm(),
                           waiting=mv.waiting_for_review(db()))


@bp.post("/menus/drafts")
@requires(Role.EDITOR)
def new_draft() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    draft = drafts.start_draft(db(), runtime_of(), current_user().email)
    db().commit()
    return redirect(url_for("admin.outline", version_id=draft.id))


@bp.route("/menus/<int:version_id>/yaml", methods=["GET", "POST"])
@requires(Role.VIEWER)
def menu(version_id: int) -> ResponseReturnValue:
    """The YAML tab: the whole definition as text, for experts (the forms write the same text)."""
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    form = DraftForm(yaml=version.yaml)
    status = 200
    if form.is_submitted():
        if Role(current_user().role).rank < Role.EDITOR.rank:
            refuse(current_user(), "needs the editor role to save a draft")
        if form.validate():
            try:
                version = drafts.save(db(), runtime_of(), mv.get_draft(db(), version_id),
                                      form.yaml.data.replace("\r\n", "\n"), current_user().email, "YAML tab")
            except mv.NotAllowed as exc:
                flash(str(exc), "error")
                return redirect(url_for("admin.menu", version_id=version_id))
            db().commit()
            errors = sum(p["level"] == "error" for p in version.problem_list)
            warnings = len(version.problem_list) - errors
            flash(_("Saved. %(e)s problem(s) to fix before publishing, %(w)s warning(s).", e=errors, w=warnings)
                  if errors else _("Saved. No problems (%(w)s warning(s)): it can be published.", w=warnings),
                  "error" if errors else "ok")
            return redirect(url_for("admin.menu", version_id=version_id))
        status = 400
    return render_template("admin/yaml.html", tab="yaml", form=form, **_update_context(version),
                           **editor_context(version)), status


def _update_context(version: mv.MenuVersion) -> dict:
    live = mv.out_of_date(db(), version)
    update, update_error = None, ""
    if live is not None:
        try:
            update = mv.update_preview(db(), version)
        except CannotMerge as exc:
            update_error = str(exc)
    base = db().get(mv.MenuVersion, version.based_on) if version.based_on else None
    live_diff = text_diff(base.yaml if base else "", live.yaml, "live menu") if live is not None else ""
    return {"update": update, "update_error": update_error, "live_diff": live_diff}


@bp.get("/menus/<int:version_id>/changes")
@requires(Role.VIEWER)
def changes(version_id: int) -> ResponseReturnValue:
    """What the version changes since the one it was made from, its problems, its tests, and the review."""
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    base = db().get(mv.MenuVersion, version.based_on) if version.based_on else None
    words = changes_between(raw_of(base), raw_of(version)) if base is not None else []
    diff = text_diff(base.yaml, version.yaml) if base is not None else ""
    return render_template("admin/changes.html", tab="changes", base=base, words=words, diff=diff,
                           tests=drafts.tests_of(db(), version.id), **_update_context(version),
                           **editor_context(version))


@bp.post("/menus/<int:version_id>/review")
@requires(Role.EDITOR)
def send_for_review(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        draft = mv.send_for_review(db(), version_id, current_user().email, request.form.get("note", ""))
    except mv.NotAllowed as exc:
        flash(_("Not sent: %(why)s", why=str(exc)), "error")
        return redirect(url_for("admin.changes", version_id=version_id))
    record(db(), current_user().email, "sent for review", f"menu version {version_id}", draft.change_note)
    db().commit()
    flash(_("Sent for review: publishers see it on the Menus page."), "ok")
    return redirect(url_for("admin.changes", version_id=version_id))


@bp.post("/menus/<int:version_id>/send-back")
@requires(Role.PUBLISHER)
def send_back(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        draft = mv.send_back(db(), version_id, current_user().email, request.form.get("comment", ""))
    except mv.NotAllowed as exc:
        flash(_("Not sent back: %(why)s", why=str(exc)), "error")
        return redirect(url_for("admin.changes", version_id=version_id))
    record(db(), current_user().email, "sent back", f"menu version {version_id}", draft.review_comment)
    db().commit()
    flash(_("Sent back to the editor with your comment."), "ok")
    return redirect(url_for("admin.menus"))


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
        flash(_("Not brought up to date: %(why)s", why=str(exc)), "error")
        return redirect(url_for("admin.menu", version_id=version_id))
    record(db(), current_user().email, "draft brought up to date", f"menu version {version_id}",
           f"now based on version {draft.based_on}; from live: {', '.join(result.taken_from_live) or 'nothing'}; "
           f"kept mine: {', '.join(u for u in result.conflicts if choices.get(u) == 'mine') or 'nothing'}\n"
           + text_diff(before, draft.yaml))
    db().commit()
    flash(_("Brought up to date with version %(v)s: check the result, then publish.", v=draft.based_on), "ok")
    return redirect(url_for("admin.menu", version_id=version_id))


@bp.post("/menus/<int:version_id>/publish")
@requires(Role.PUBLISHER)
def publish(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    live = mv.out_of_date(db(), version)
    if live is not None:
        return _not_published(version_id, _("it was made from version %(base)s and version %(live)s is live now: "
                                            "bring it up to date first", base=version.based_on, live=live.id))
    errors = [p for p in runtime_of().menus.check(version.yaml) if p.level == "error"]
    if errors:
        return _not_published(version_id, _("%(n)s problem(s) must be fixed first, e.g. %(first)s",
                                            n=len(errors), first=str(errors[0])))
    results = run_all(runtime_of(), request_unit(), version.yaml, str(version_id))
    failing = [t for t, result in results if not result.passed]
    if failing:
        # (committed with the refusal: each test keeps its last result)
        return _not_published(version_id, _("%(n)s conversation test(s) fail: ", n=len(failing))
                              + "; ".join(f"{t.name}: {t.last_result.splitlines()[0]}" for t in failing))
    try:
        mv.publish(db(), version_id, current_user().email, runtime_of().actions, runtime_of().menus.sms)
    except mv.NotAllowed as exc:
        return _not_published(version_id, str(exc))
    record(db(), current_user().email, "published", f"menu version {version_id}", version.change_note)
    db().commit()
    runtime_of().menus.published(version_id)
    flash(_("Version %(v)s is live: new USSD sessions use it.", v=version_id), "ok")
    return redirect(url_for("admin.menus"))


def _not_published(version_id: int, why: str) -> ResponseReturnValue:
    record(db(), current_user().email, "publish refused", f"menu version {version_id}", why)
    db().commit()
    flash(_("Not published: %(why)s", why=why), "error")
    return redirect(request.referrer or url_for("admin.changes", version_id=version_id))


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
    flash(_("Version %(v)s is live again (was %(before)s).", v=version_id, before=before), "ok")
    return redirect(url_for("admin.menus"))
