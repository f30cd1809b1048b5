"""A phone on the page: any version (a draft too) through the same engine as the webhook, with
each screen's size, encoding and page breaks. Reads members; writes nothing but the audit log.

It never checks a member's real PIN (PIN screens offer "right PIN" / "wrong PIN"), keeps what
is typed on PIN screens only as "••••", and a simulation from a real member's phone is audited."""

from __future__ import annotations

import json
import secrets

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app.admin import bp
from ussd_app.admin.audit import record
from ussd_app.admin.auth import current_user, requires
from ussd_app.admin.forms import ActionForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import definition_of, simulation_services
from ussd_app.core import keys
from ussd_app.core.extensions import db, redis_client, request_unit
from ussd_app.publishing import versions as mv
from ussd_app.publishing.simulation import PinNotChecked, Simulation
from ussd_app.text.phones import InvalidPhone, mask, normalise
from ussd_app.ussd.runtime import runtime_of

DEFAULT_PHONE = "+8562055512345"
KEEP_SECONDS = 3600
MAX_HISTORY = 30


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
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        definition = definition_of(runtime_of(), row.yaml, version)
        try:
            phone = normalise(phone_text)
        except InvalidPhone:
            phone, error = "", "That is not a phone number."
        if definition is None:
            error = f"Version {version} has problems that stop it loading: fix them in the editor first."
        elif phone:
            sim = Simulation(definition, simulation_services(runtime_of(), request_unit()), phone)
            do = request.form.get("do")
            saved = _load(sim_id) if do in ("press", "pin-right", "pin-wrong") else None
            if saved and saved["version"] == version and saved["phone"] == phone:
                sim.load(saved["sim"])
                history = saved["history"]
                key = request.form.get("key", "").strip()[:40]
                shown = "right PIN" if do == "pin-right" else "wrong PIN" if do == "pin-wrong" else sim.shown_as(key)
                try:
                    screen = sim.press_pin(do == "pin-right") if do != "press" else sim.press(key)
                    history.append({"key": shown, "text": screen.text, "end": screen.end})
                except PinNotChecked as exc:
                    error, screen = f"Not sent: {exc}.", sim.screen()
            else:
                sim_id = secrets.token_urlsafe(12)
                screen = sim.dial()
                history = [{"key": "dial", "text": screen.text, "end": screen.end}]
                _audit_member(sim, phone, version)
            _save(sim_id, {"version": version, "phone": phone, "sim": sim.dump(), "history": history[-MAX_HISTORY:]})
    pin_screen = sim.pin_screen() if sim is not None and screen is not None and not screen.end else None
    return render_template("admin/simulator.html", form=form, versions=versions, version=version, row=row,
                           phone=phone_text, screen=screen, history=history, sim_id=sim_id, error=error,
                           pin_screen=pin_screen)


def _audit_member(sim: Simulation, phone: str, version: str) -> None:
    """Staff looking at a real member's data through the simulator is recorded."""
    member = sim.services.members.linked_to_phone(phone)
    if member is not None:
        record(db(), current_user().email, "simulated a member", f"phone {mask(phone)}",
               f"menu version {version}, member ...{member.ssn[-4:]}")
        db().commit()


def _load(sim_id: str) -> dict | None:
    raw = redis_client().get(keys.SIMULATION.format(sim_id=sim_id)) if sim_id else None
    return json.loads(raw) if raw else None


def _save(sim_id: str, data: dict) -> None:
    redis_client().set(keys.SIMULATION.format(sim_id=sim_id), json.dumps(data, ensure_ascii=False), ex=KEEP_SECONDS)
