"""Analytics page (filled in by the analytics work)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import Role


@bp.get("/analytics")
@requires(Role.VIEWER)
def analytics() -> ResponseReturnValue:
    return "analytics"
