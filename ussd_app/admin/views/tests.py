"""Conversation tests: scripted conversations staff keep; all must pass before a publish."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app.admin import bp
from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.auth import current_user, refuse, requires
from ussd_app.admin.forms import ActionForm, TestForm
from ussd_app.admin.models import ConversationTest, Role
from ussd_app.admin.testing import run_all
from ussd_app.core.extensions import db, request_unit
from ussd_app.publishing import conversation_tests
from ussd_app.publishing import versions as mv
from ussd_app.ussd.runtime import runtime_of


@bp.get("/tests")
@requires(Role.VIEWER)
def tests() -> ResponseReturnValue:
    rows = db().execute(select(ConversationTest).order_by(ConversationTest.id)).scalars().all()
    versions = db().execute(select(mv.MenuVersion.id, mv.MenuVersion.state).order_by(mv.MenuVersion.id.desc())).all()
    return render_template("admin/tests.html", tests=rows, versions=versions, form=ActionForm(),
                           current=runtime_of().menus.current_version())


@bp.route("/tests/new", methods=["GET", "POST"])
@bp.route("/tests/<int:test_id>", methods=["GET", "POST"])
@requires(Role.VIEWER)
def test(test_id: int | None = None) -> ResponseReturnValue:
    row = db().get(ConversationTest, test_id) if test_id else None
    if test_id and row is None:
        abort(404)
    form = TestForm(obj=row) if row else TestForm(script=conversation_tests.EXAMPLE)
    if form.is_submitted():
        if Role(current_user().role).rank < Role.EDITOR.rank:
            refuse(current_user(), "needs the editor role to change a test")
        if form.validate():
            try:
                conversation_tests.parse(form.script.data)
            except conversation_tests.ScriptError as exc:
                form.script.errors = [str(exc)]
                return render_template("admin/test.html", form=form, row=row), 400
            before = row.script if row else ""
            if row is None:
                row = ConversationTest(created_by=current_user().email, name="", script="")
                db().add(row)
            row.name, row.script = form.name.data, form.script.data.replace("\r\n", "\n")
            db().flush()
            record(db(), current_user().email, "test saved", f"conversation test {row.id} {row.name}",
                   text_diff(before, row.script, "test"))
            db().commit()
            flash(f"Saved “{row.name}”.", "ok")
            return redirect(url_for("admin.tests"))
        return render_template("admin/test.html", form=form, row=row), 400
    return render_template("admin/test.html", form=form, row=row)


@bp.post("/tests/<int:test_id>/delete")
@requires(Role.EDITOR)
def delete_test(test_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    row = db().get(ConversationTest, test_id) or abort(404)
    record(db(), current_user().email, "test deleted", f"conversation test {row.id} {row.name}", row.script)
    db().delete(row)
    db().commit()
    flash("Deleted.", "ok")
    return redirect(url_for("admin.tests"))


@bp.post("/tests/run")
@requires(Role.EDITOR)
def run_tests() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    version = db().get(mv.MenuVersion, request.form.get("version", type=int) or 0) or abort(404)
    results = run_all(runtime_of(), request_unit(), version.yaml, str(version.id))
    record(db(), current_user().email, "tests run", f"menu version {version.id}",
           "; ".join(f"{t.name}: {'passed' if r.passed else 'failed'}" for t, r in results))
    db().commit()
    failed = sum(not r.passed for _, r in results)
    if not results and version.has_errors:
        flash(f"Version {version.id} has problems that stop it loading; no test could run.", "error")
    else:
        flash(f"v{version.id}: {len(results) - failed} passed, {failed} failed.", "error" if failed else "ok")
    return redirect(url_for("admin.tests"))
