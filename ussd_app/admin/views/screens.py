"""Menus in forms: the outline of a version (each screen, its options and where each leads), a
screen's form (texts, options added, moved and removed, where things lead, an input's check, an
action), a new screen, and deleting one after seeing what still leads to it."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ussd_app.admin import bp, drafts
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm
from ussd_app.admin.models import Role
from ussd_app.core.extensions import db
from ussd_app.engine.loader import read_yaml
from ussd_app.engine.model import DefinitionError
from ussd_app.publishing import menu_edits, problems
from ussd_app.publishing import versions as mv
from ussd_app.publishing.document import NotEditable
from ussd_app.publishing.problems import N_
from ussd_app.ussd.runtime import runtime_of

KIND_WORDS = {"menu": N_("a menu (numbered options)"), "message": N_("a message (0 back, 00 home)"),
              "end": N_("a last message (the session ends)"), "input": N_("a question (the member types an answer)"),
              "action": N_("an action (looks something up or does something)"), "pick": N_("a list to choose from"),
              "pin": N_("a PIN"), "router": N_("a fork (no screen: it goes on by a rule)")}


def editor_context(version: mv.MenuVersion) -> dict[str, Any]:
    """What every editor page shows around its work: the version, its problems in plain words."""
    explained = problems.explain(version.checked)
    return {"version": version, "current": mv.current_id(db()), "action": ActionForm(),
            "live": mv.out_of_date(db(), version), "explained": explained,
            "problem_counts": problems.counts(explained), "say": lambda e: e.render(_)}


def raw_of(version: mv.MenuVersion) -> dict[str, Any]:
    try:
        raw = read_yaml(version.yaml)
    except DefinitionError:
        return {}
    return raw if isinstance(raw, dict) else {}


def _screens(version: mv.MenuVersion) -> list[menu_edits.Screen]:
    return menu_edits.outline(raw_of(version))


@bp.get("/menus/<int:version_id>")
@requires(Role.VIEWER)
def outline(version_id: int) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    raw = raw_of(version)
    every = menu_edits.outline(raw)
    query = request.args.get("q", "").strip().lower()
    screens = [s for s in every if not query or query in s.id.lower() or query in " ".join(s.title.values()).lower()
               or any(query in " ".join(label.values()).lower() for _n, label, _to in s.options)]
    names = {s.id: s.name(str(get_locale() or "lo")) for s in every}
    context = editor_context(version)
    marked = {e.screen for e in context["explained"] if e.level == "error"}
    if not raw:
        flash(_("This version's YAML text cannot be read, so its screens cannot be listed: fix it in the YAML tab."),
              "error")
    return render_template("admin/outline.html", tab="screens", screens=screens, names=names, marked=marked,
                           query=query, kinds=KIND_WORDS, **context)


def _save_or_back(version_id: int, change: Any, what: str, node: str | None = None) -> ResponseReturnValue:
    """Apply `change(text) -> text` to the draft behind `version_id` and save it; on a refusal,
    back to the form with the reason. Returns the redirect."""
    rt = runtime_of()
    try:
        draft, started = drafts.editable(db(), rt, version_id, current_user().email)
        draft = drafts.save(db(), rt, draft, change(draft.yaml), current_user().email, what)
    except (NotEditable, mv.NotAllowed) as exc:
        db().rollback()
        flash(_("Not saved: %(why)s", why=str(exc)), "error")
        return redirect(request.referrer or url_for("admin.outline", version_id=version_id))
    db().commit()
    if started:
        flash(_("Saved in a new draft, v%(id)s, made from v%(base)s.", id=draft.id, base=version_id), "ok")
    errors = [p for p in draft.problem_list if p["level"] == "error"]
    here = [p for p in errors if node and p["node"] == node]
    if here:
        flash(_("Saved, but this screen has %(n)s problem(s) to fix before publishing (listed below).",
                n=len(here)), "error")
    elif errors:
        flash(_("Saved. The menu has %(n)s problem(s) to fix before publishing (Changes and review).",
                n=len(errors)), "error")
    else:
        flash(_("Saved. No problems."), "ok")
    target = url_for("admin.screen", version_id=draft.id, node=node) if node else \
        url_for("admin.outline", version_id=draft.id)
    return redirect(target)


@bp.route("/menus/<int:version_id>/screens/<node>", methods=["GET", "POST"])
@requires(Role.VIEWER)
def screen(version_id: int, node: str) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    if request.method == "POST":
        if Role(current_user().role).rank < Role.EDITOR.rank:
            abort(403)
        if not ActionForm().validate_on_submit():
            abort(400)
        form = request.form.to_dict()
        return _save_or_back(version_id, lambda text: menu_edits.apply_screen_form(text, node, form,
                                                                                   runtime_of().actions),
                             f"screen {node}: {form.get('do', 'save')}", node)
    raw_version = raw_of(version)
    screens = menu_edits.outline(raw_version)
    found = next((s for s in screens if s.id == node), None)
    if found is None:
        abort(404)
    raw = raw_version["nodes"][node]
    context = editor_context(version)
    here = [e for e in context["explained"] if e.screen == node]
    check = menu_edits.validator_choice(raw) if found.type == "input" else None
    return render_template("admin/screen.html", tab="screens", screen=found, raw=raw, screens=screens,
                           screen_problems=here, check=check, validators=menu_edits.VALIDATORS, kinds=KIND_WORDS,
                           actions=sorted(runtime_of().actions), **context)


@bp.route("/menus/<int:version_id>/screens/new", methods=["GET", "POST"])
@requires(Role.EDITOR)
def new_screen(version_id: int) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        form = request.form.to_dict()
        node_id, kind = form.get("id", "").strip(), form.get("kind", "")
        return _save_or_back(version_id, lambda text: menu_edits.add_screen(text, node_id, kind, form,
                                                                            runtime_of().actions),
                             f"screen {node_id} added ({kind})", node_id)
    screens = _screens(version)
    menus = [s for s in screens if s.type == "menu"]
    return render_template("admin/screen_new.html", tab="screens", screens=screens, menus=menus,
                           from_menu=request.args.get("from_menu", ""), kinds=menu_edits.NEW_KINDS,
                           kind_words=KIND_WORDS, validators=menu_edits.VALIDATORS,
                           actions=sorted(runtime_of().actions), **editor_context(version))


@bp.route("/menus/<int:version_id>/screens/<node>/delete", methods=["GET", "POST"])
@requires(Role.EDITOR)
def delete_screen(version_id: int, node: str) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        retarget = request.form.get("retarget", "").strip()
        result = _save_or_back(version_id, lambda text: menu_edits.delete_screen(text, node, retarget),
                               f"screen {node} deleted" + (f", its links sent to {retarget}" if retarget else ""))
        return result
    screens = _screens(version)
    found = next((s for s in screens if s.id == node), None) or abort(404)
    return render_template("admin/screen_delete.html", tab="screens", screen=found, screens=screens,
                           **editor_context(version))
