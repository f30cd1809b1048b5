"""Simulations between web requests: the engine's state for each phone on a page, kept in Redis
for an hour (never a PIN: what is typed on PIN screens is kept only as "••••")."""

from __future__ import annotations

import json
from typing import Any

from ussd_app.admin.audit import record
from ussd_app.core import keys
from ussd_app.core.extensions import db, redis_client
from ussd_app.publishing.simulation import Simulation
from ussd_app.text.phones import mask

KEEP_SECONDS = 3600
MAX_HISTORY = 30


def load(sim_id: str) -> dict[str, Any] | None:
    raw = redis_client().get(keys.SIMULATION.format(sim_id=sim_id)) if sim_id else None
    return json.loads(raw) if raw else None


def save(sim_id: str, data: dict[str, Any]) -> None:
    redis_client().set(keys.SIMULATION.format(sim_id=sim_id), json.dumps(data, ensure_ascii=False), ex=KEEP_SECONDS)


def audit_member(sim: Simulation, actor: str, phone: str, version: str) -> None:
    """Staff looking at a real member's data through a simulation is recorded."""
    member = sim.services.members.linked_to_phone(phone)
    if member is not None:
        record(db(), actor, "simulated a member", f"phone {mask(phone)}",
               f"menu version {version}, member ...{member.ssn[-4:]}")
        db().commit()
