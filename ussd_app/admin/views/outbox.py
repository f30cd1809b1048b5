"""SMS outbox page (filled in by the outbox view work)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from ussd_app.admin import bp
from ussd_app.admin.auth import requires
from ussd_app.admin.models import Role


@bp.get("/outbox")
@requires(Role.VIEWER)
def outbox() -> ResponseReturnValue:
    return "outbox"
