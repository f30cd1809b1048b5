"""A phone on the page: any version (a draft too) through the same engine as the webhook, with
each screen's size, encoding and page breaks. Reads members; writes nothing."""

from __future__ import annotations

import json
import secrets

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ussd_app import keys
from ussd_app import menu_versions as mv
from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.forms import ActionForm
from ussd_app.admin.models import Role
from ussd_app.admin.testing import definition_of, simulation_services
from ussd_app.extensions import db, redis_client
from ussd_app.menus import menu_store
from ussd_app.phones import InvalidPhone, normalise
from ussd_app.simulation import Simulation

DEFAULT_PHONE = "+8562055512345"
KEEP_SECONDS = 3600
MAX_HISTORY = 30


@bp.route("/simulator", methods=["GET", "POST"])
@requires(Role.VIEWER)
def simulator() -> ResponseReturnValue:
    form = ActionForm()
    versions = db().execute(select(mv.MenuVersion.id, mv.MenuVersion.state).order_by(mv.MenuVersion.id.desc())).all()
    source = request.form if request.method == "POST" else request.args
    version = str(source.get("version") or menu_store().current_version())
    phone_text = source.get("phone", DEFAULT_PHONE)
    error, screen, history, sim_id = "", None, [], source.get("sim", "")
    row = db().get(mv.MenuVersion, int(version)) if version.isdigit() else None
    if row is None:
        abort(404)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        definition = definition_of(row.yaml, version)
        try:
            phone = normalise(phone_text)
        except InvalidPhone:
            phone, error = "", "That is not a phone number."
        if definition is None:
            error = f"Version {version} has problems that stop it loading: fix them in the editor first."
        elif phone:
            sim = Simulation(definition, simulation_services(db()), phone)
            saved = _load(sim_id) if request.form.get("do") == "press" else None
            if saved and saved["version"] == version and saved["phone"] == phone:
                sim.load(saved["sim"])
                history = saved["history"]
                key = request.form.get("key", "").strip()[:40]
                screen = sim.press(key)
                history.append({"key": key, "text": screen.text, "end": screen.end})
            else:
                sim_id = secrets.token_urlsafe(12)
                screen = sim.dial()
                history = [{"key": "dial", "text": screen.text, "end": screen.end}]
            _save(sim_id, {"version": version, "phone": phone, "sim": sim.dump(), "history": history[-MAX_HISTORY:]})
    return render_template("admin/simulator.html", form=form, versions=versions, version=version, row=row,
                           phone=phone_text, screen=screen, history=history, sim_id=sim_id, error=error)


def _load(sim_id: str) -> dict | None:
    raw = redis_client().get(keys.SIMULATION.format(sim_id=sim_id)) if sim_id else None
    return json.loads(raw) if raw else None


def _save(sim_id: str, data: dict) -> None:
    redis_client().set(keys.SIMULATION.format(sim_id=sim_id), json.dumps(data, ensure_ascii=False), ex=KEEP_SECONDS)
