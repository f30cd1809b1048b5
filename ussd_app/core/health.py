"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from ussd_app.core.extensions import clients

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    c = clients()
    failed: dict[str, str] = {}
    try:
        c.redis.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say which part
        failed["redis"] = type(exc).__name__
    try:
        with c.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        failed["database"] = type(exc).__name__
    if failed:
        log.warning("not ready: %s", failed)
        return jsonify(status="unavailable", failed=failed), 503
    return jsonify(status="ok", redis="ok", database="ok")
