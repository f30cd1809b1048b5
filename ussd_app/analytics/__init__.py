"""What the service learns from its use: session end events and the daily usage figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from ussd_app.analytics import session_events, usage  # noqa: F401  (their tables join the schema)
