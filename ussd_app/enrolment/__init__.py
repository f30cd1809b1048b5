"""Joining the voluntary scheme by phone: applications, places, dues, payment references and payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from ussd_app.enrolment import cli, models  # noqa: F401  (its tables join the schema)

    cli.init_app(app)
