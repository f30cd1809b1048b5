"""Domain events, one bus: what happens to a member is recorded once, as a row written in the
same transaction as the change (an outbox). Consumers read the rows after their own position:
a consumer that was down catches up, and none depends on another. Today's consumer: the partner
API's notifications (ussd_app/dci/notify.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from ussd_app.events import models  # noqa: F401  (its tables join the schema)
