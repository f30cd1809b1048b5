"""A phone on the page: any version (a draft too, problems and all) through the same engine as
the webhook, with each screen's size, encoding and page breaks. Reads members; writes nothing
but the audit log.

It never checks a member's real PIN (PIN screens offer "right PIN" / "wrong PIN"), keeps what
is typed on PIN screens only as "••••", and a simulation from a real member's phone is audited.
The editor's phone (`phone`) runs the draft with the changes on the page that are not saved yet.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ussd_app.admin import bp, sim_store
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import simulation_services
from ussd_app.core.extensions import db, request_unit
from ussd_app.engine.model import DefinitionError
from ussd_app.publishing import menu_edits, texts
from ussd_app.publishing import versions as mv
from ussd_app.publishing.document import NotEditable
from ussd_app.publishing.lenient import Lenient, load_lenient, marked
from ussd_app.publishing.simulation import PinNotChecked, SimScreen, Simulation
from ussd_app.text.phones import InvalidPhone, normalise
from ussd_app.ussd.runtime import runtime_of

log = logging.getLogger(__name__)
DEFAULT_PHONE = "+8562055512345"


def _lenient(yaml_text: str, version: str) -> Lenient | None:
    try:
        return load_lenient(yaml_text, runtime_of().actions, version=version)
    except DefinitionError:
        return None


def _run(lenient: Lenient, phone: str, version: str, sim_id: str, do: str, key: str
         ) -> tuple[Simulation, SimScreen, list[dict[str, Any]], str, str]:
    """One step of a simulation kept under `sim_id` (a new one on a dial): (simulation, screen,
    history, sim id, error)."""
    sim = Simulation(lenient.definition, simulation_services(runtime_of(), request_unit()), phone)
    saved = sim_store.load(sim_id) if do in ("press", "pin-right", "pin-wrong", "refresh") else None
    error = ""
    if saved and saved["version"] == version and saved["phone"] == phone:
        sim.load(saved["sim"])
        history: list[dict[str, Any]] = saved["history"]
        if do == "refresh":
            screen = sim.screen()
        else:
            shown = _("right PIN") if do == "pin-right" else _("wrong PIN") if do == "pin-wrong" else sim.shown_as(key)
            try:
                screen = sim.press_pin(do == "pin-right") if do != "press" else sim.press(key)
                history.append({"key": shown, "text": screen.text, "end": screen.end})
            except PinNotChecked:
                error = _("Not sent: the simulator never checks a member's real PIN: choose right PIN or wrong PIN.")
                screen = sim.screen()
    else:
        sim_id = secrets.token_urlsafe(12)
        screen = sim.dial()
        history = [{"key": _("dial"), "text": screen.text, "end": screen.end}]
        sim_store.audit_member(sim, current_user().email, phone, version)
    sim_store.save(sim_id, {"version": version, "phone": phone, "sim": sim.dump(),
                            "history": history[-sim_store.MAX_HISTORY:]})
    return sim, screen, history, sim_id, error


@bp.route("/simulator", methods=["GET", "POST"])
@requires(Role.VIEWER)
def simulator() -> ResponseReturnValue:
    form = ActionForm()
    versions = db().execute(select(mv.MenuVersion.id, mv.MenuVersion.state).order_by(mv.MenuVersion.id.desc())).all()
    source = request.form if request.method == "POST" else request.args
    version = str(source.get("version") or runtime_of().menus.current_version())
    phone_text = source.get("phone", DEFAULT_PHONE)
    error, screen, history, sim_id = "", None, [], source.get("sim", "")
    sim: Simulation | None = None
    row = db().get(mv.MenuVersion, int(version)) if version.isdigit() else None
    if row is None:
        abort(404)
    lenient = _lenient(row.yaml, version)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            phone = normalise(phone_text)
        except InvalidPhone:
            phone, error = "", _("That is not a phone number.")
        if lenient is None:
            error = _("Version %(v)s cannot be read at all (its YAML text is broken): fix it in the editor first.",
                      v=version)
        elif phone:
            sim, screen, history, sim_id, error = _run(lenient, phone, version, sim_id,
                                                       request.form.get("do", "dial"),
                                                       request.form.get("key", "").strip()[:40])
    pin_screen = sim.pin_screen() if sim is not None and screen is not None and not screen.end else None
    on_marked = screen is not None and screen.node in marked(row.checked)
    return render_template("admin/simulator.html", form=form, versions=versions, version=version, row=row,
                           phone=phone_text, screen=screen, history=history, sim_id=sim_id, error=error,
                           pin_screen=pin_screen, marked=on_marked)


def with_pending(yaml_text: str, form: Mapping[str, str]) -> tuple[str, str]:
    """The draft's text with the changes on the editor's page that are not saved yet: a text
    being typed on the Texts page, a screen's form, or the YAML tab. Returns (text, why not)."""
    pending = form.get("pending", "")
    try:
        if pending == "text" and form.get("key"):
            return texts.set_text(yaml_text, form["key"], None, {lang: form.get(lang, "") for lang in texts.LANGS},
                                  runtime_of().menus.shipped_sms_texts()), ""
        if pending == "screen" and form.get("screen"):
            fields = {k: v for k, v in form.items() if k != "do"}
            return menu_edits.apply_screen_form(yaml_text, form["screen"], fields, runtime_of().actions), ""
        if pending == "yaml" and form.get("yaml"):
            return form["yaml"].replace("\r\n", "\n"), ""
    except NotEditable as exc:
        return yaml_text, str(exc)
    return yaml_text, ""


@bp.post("/menus/<int:version_id>/phone")
@requires(Role.VIEWER)
def phone(version_id: int) -> ResponseReturnValue:
    """The phone beside the editor: one step, as JSON, on the draft with the page's unsaved changes
    (the page's form fields travel with it; the key pressed is `press`)."""
    if not ActionForm().validate_on_submit():
        return jsonify(error=_("The page has expired: reload it.")), 400
    row = db().get(mv.MenuVersion, version_id) or abort(404)
    form = request.form
    text, not_applied = with_pending(row.yaml, form)
    lenient = _lenient(text, f"{version_id}-preview")
    if lenient is None:
        return jsonify(error=_("This text cannot be read as a menu at all, so it cannot run: see the problems.")), 200
    try:
        phone_number = normalise(form.get("phone", DEFAULT_PHONE))
    except InvalidPhone:
        return jsonify(error=_("That is not a phone number.")), 200
    try:
        sim, screen, _history, sim_id, error = _run(lenient, phone_number, str(version_id), form.get("sim", ""),
                                                    form.get("do", "dial"), form.get("press", "").strip()[:40])
    except Exception:  # noqa: BLE001 - a draft's screen that breaks the engine is a message for staff, never a 500
        log.exception("simulating a draft failed")
        return jsonify(error=_("This screen cannot run in the simulation yet: look at its problems.")), 200
    # Unchanged since it was saved: its problems are those the save's check found.
    found = row.checked if text == row.yaml else lenient.problems
    problems = [p.message for p in found if p.node == screen.node]
    return jsonify(sim=sim_id, text=screen.text, end=screen.end, pages=screen.pages, page=screen.page,
                   node=screen.node, length=screen.length, budget=screen.budget, encoding=screen.encoding,
                   effects=screen.effects, marked=screen.node in marked(found), problems=problems,
                   pin=None if screen.end else sim.pin_screen(), error=error or not_applied)
