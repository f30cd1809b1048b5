"""Conversation tests: scripted conversations staff keep; all must pass before a publish."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ussd_app.admin import bp, drafts
from ussd_app.admin.audit import record, text_diff
from ussd_app.admin.auth import current_user, refuse, requires
from ussd_app.admin.forms import ActionForm, TestForm
from ussd_app.admin.models import ConversationTest, Role
from ussd_app.admin.testing import run_all
from ussd_app.core.extensions import db, request_unit
from ussd_app.publishing import conversation_tests
from ussd_app.publishing import versions as mv
from ussd_app.ussd.runtime import runtime_of


def _chosen_version() -> int:
    """The version the tests page is about: the one asked for, else the live one."""
    asked = request.values.get("version", type=int)
    return asked if asked and db().get(mv.MenuVersion, asked) else int(runtime_of().menus.current_version())


@bp.get("/tests")
@requires(Role.VIEWER)
def tests() -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, _chosen_version())
    versions = db().execute(select(mv.MenuVersion.id, mv.MenuVersion.state).order_by(mv.MenuVersion.id.desc())).all()
    return render_template("admin/tests.html", tests=drafts.tests_of(db(), version.id), versions=versions,
                           form=ActionForm(), version=version, current=runtime_of().menus.current_version())


@bp.route("/tests/new", methods=["GET", "POST"])
@bp.route("/tests/<int:test_id>", methods=["GET", "POST"])
@requires(Role.VIEWER)
def test(test_id: int | None = None) -> ResponseReturnValue:
    row = db().get(ConversationTest, test_id) if test_id else None
    if test_id and row is None:
        abort(404)
    version = db().get(mv.MenuVersion, row.version_id if row and row.version_id else _chosen_version())
    form = TestForm(obj=row) if row else TestForm(script=conversation_tests.EXAMPLE)
    frozen = version is not None and version.state == mv.VersionState.PUBLISHED.value and row is not None \
        and row.version_id is not None
    if form.is_submitted():
        if Role(current_user().role).rank < Role.EDITOR.rank:
            refuse(current_user(), "needs the editor role to change a test")
        if frozen:
            flash(_("This test belongs to v%(v)s, which is published: published versions and their tests never "
                    "change. Change it in a draft.", v=version.id), "error")
            return redirect(url_for("admin.tests", version=version.id))
        if form.validate():
            try:
                conversation_tests.parse(form.script.data)
            except conversation_tests.ScriptError as exc:
                form.script.errors = [str(exc)]
                return render_template("admin/test.html", form=form, row=row, version=version, frozen=frozen), 400
            before = row.script if row else ""
            if row is None:
                row = ConversationTest(created_by=current_user().email, name="", script="", version_id=version.id)
                db().add(row)
            row.name, row.script = form.name.data, form.script.data.replace("\r\n", "\n")
            db().flush()
            record(db(), current_user().email, "test saved", f"conversation test {row.id} {row.name}",
                   f"menu version {row.version_id}\n" + text_diff(before, row.script, "test"))
            db().commit()
            flash(_("Saved “%(name)s”.", name=row.name), "ok")
            return redirect(url_for("admin.tests", version=row.version_id or version.id))
        return render_template("admin/test.html", form=form, row=row, version=version, frozen=frozen), 400
    return render_template("admin/test.html", form=form, row=row, version=version, frozen=frozen)


@bp.post("/tests/<int:test_id>/delete")
@requires(Role.EDITOR)
def delete_test(test_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    row = db().get(ConversationTest, test_id) or abort(404)
    owner = db().get(mv.MenuVersion, row.version_id) if row.version_id else None
    if owner is not None and owner.state == mv.VersionState.PUBLISHED.value:
        flash(_("This test belongs to v%(v)s, which is published: it stays with it.", v=owner.id), "error")
        return redirect(url_for("admin.tests", version=owner.id))
    record(db(), current_user().email, "test deleted", f"conversation test {row.id} {row.name}", row.script)
    db().delete(row)
    db().commit()
    flash(_("Deleted."), "ok")
    return redirect(url_for("admin.tests", version=row.version_id))


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
    failed = sum(not r.passed for _t, r in results)
    if not results and version.has_errors:
        flash(_("Version %(v)s has problems that stop it loading; no test could run.", v=version.id), "error")
    else:
        flash(_("v%(v)s: %(passed)s passed, %(failed)s failed.", v=version.id, passed=len(results) - failed,
                failed=failed), "error" if failed else "ok")
    return redirect(url_for("admin.tests", version=version.id))
