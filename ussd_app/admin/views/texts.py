"""The Texts page: every text a member can see, once, Lao and English side by side, with the
size of every screen it appears on as it is typed. Saving changes every place the text is used,
in a draft (a published version starts one)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ussd_app.admin import bp, drafts
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm
from ussd_app.admin.models import Role
from ussd_app.admin.views.screens import editor_context
from ussd_app.core.extensions import db
from ussd_app.engine.model import DefinitionError
from ussd_app.publishing import texts as tc
from ussd_app.publishing import versions as mv
from ussd_app.publishing.document import NotEditable
from ussd_app.publishing.lenient import load_lenient
from ussd_app.ussd.runtime import runtime_of

LANG_WORDS = {"lo": "Lao", "en": "English"}


def _catalogue(version: mv.MenuVersion) -> tuple[list[tc.Entry], object]:
    """The texts of a version, and its definition to measure them on (None if it cannot be read)."""
    rt = runtime_of()
    try:
        lenient = load_lenient(version.yaml, rt.actions, version=str(version.id))
    except DefinitionError:
        return [], None
    return tc.catalogue(lenient.definition.raw, rt.menus.shipped_sms_texts()), lenient.definition


@bp.get("/texts")
@requires(Role.VIEWER)
def texts_home() -> ResponseReturnValue:
    """The texts of the newest draft, or of the live version when there is none."""
    rt = runtime_of()
    newest = db().execute(select(mv.MenuVersion.id).where(mv.MenuVersion.state == mv.VersionState.DRAFT.value)
                          .order_by(mv.MenuVersion.id.desc()).limit(1)).scalar()
    return redirect(url_for("admin.texts", version_id=newest or int(rt.menus.current_version())))


@bp.get("/menus/<int:version_id>/texts")
@requires(Role.VIEWER)
def texts(version_id: int) -> ResponseReturnValue:
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    entries, definition = _catalogue(version)
    query = request.args.get("q", "").strip()
    screen = request.args.get("screen", "").strip()
    screens = sorted({p.screen for e in entries for p in e.places})
    shown = [e for e in entries if (not screen or screen in e.screens)
             and (not query or query.lower() in " ".join([*e.text.values(), *[p.key for p in e.places]]).lower())]
    sizes = {e.key: tc.sizes(definition, e, e.text, runtime_of().sms.templates.limits)  # type: ignore[arg-type]
             for e in shown} if definition is not None else {}
    return render_template("admin/texts.html", tab="texts", entries=shown, total=len(entries), query=query,
                           screen=screen, screens=screens, sizes=sizes, lang_words=LANG_WORDS,
                           **editor_context(version))


@bp.get("/menus/<int:version_id>/texts/size")
@requires(Role.VIEWER)
def text_size(version_id: int) -> ResponseReturnValue:
    """The sizes of one text as typed, on every screen it appears on (the live count)."""
    version = db().get(mv.MenuVersion, version_id) or abort(404)
    entries, definition = _catalogue(version)
    entry = tc.find(entries, request.args.get("key", ""))
    if entry is None or definition is None:
        return jsonify(error=_("This text is not in this version any more: reload the page.")), 404
    typed = {lang: request.args.get(lang, "") for lang in tc.LANGS}
    return jsonify(sizes=[s.as_dict() for s in tc.sizes(definition, entry, typed,  # type: ignore[arg-type]
                                                          runtime_of().sms.templates.limits)])


@bp.post("/menus/<int:version_id>/texts")
@requires(Role.EDITOR)
def save_text(version_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    rt = runtime_of()
    key = request.form.get("key", "")
    new = {lang: request.form.get(lang, "").replace("\r\n", "\n").strip() for lang in tc.LANGS}
    was = {lang: request.form.get(f"was_{lang}", "") for lang in tc.LANGS}
    try:
        draft, started = drafts.editable(db(), rt, version_id, current_user().email)
        changed = tc.set_text(draft.yaml, key, was, new, rt.menus.shipped_sms_texts())
        draft = drafts.save(db(), rt, draft, changed, current_user().email, f"text {key} set to {new}")
    except (NotEditable, mv.NotAllowed) as exc:
        db().rollback()
        flash(_("Not saved: %(why)s", why=str(exc)), "error")
        return redirect(url_for("admin.texts", version_id=version_id, q=request.form.get("q", "")))
    db().commit()
    entries, definition = _catalogue(draft)
    entry = tc.find(entries, key)
    over = [s for s in tc.sizes(definition, entry, new, rt.sms.templates.limits)  # type: ignore[arg-type]
            if s.over and not s.warn_only] if entry is not None and definition is not None else []
    label = new["en"] or new["lo"]
    if started:
        flash(_("Saved in a new draft, v%(id)s, made from v%(base)s.", id=draft.id, base=version_id), "ok")
    if over:
        for size in over:
            flash(_("“%(text)s” is %(over)s characters too long on the screen %(screen)s in %(lang)s "
                    "(%(n)s of %(of)s): shorten it by %(over)s.", text=label[:40], over=size.over,
                    screen=size.place.screen, lang=_(LANG_WORDS[size.lang]), n=size.length, of=size.budget), "error")
    else:
        places = len(entry.places) if entry else 1
        flash(_("Saved “%(text)s” in %(n)s place(s).", text=label[:40], n=places), "ok")
    return redirect(url_for("admin.texts", version_id=draft.id, q=request.form.get("q", ""),
                            screen=request.form.get("screen", "")) + f"#t-{key.replace('/', '-')}")
