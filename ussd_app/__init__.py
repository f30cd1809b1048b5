"""LSSO Connect: the USSD and SMS service of the Lao Social Security Office."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: read settings, then let each part wire itself with its init_app()."""
    import sms
    from sms import callbacks as sms_callbacks
    from ussd_app import admin
    from ussd_app.core import extensions, logs
    from ussd_app.core.config import load_config
    from ussd_app.core.db_cli import init_app as db_cli_init
    from ussd_app.core.extensions import clients
    from ussd_app.core.health import bp as health_bp
    from ussd_app.gateways import africastalking
    from ussd_app.gateways import webhook_requests as webhooks
    from ussd_app.members import cli as members_cli
    from ussd_app.publishing import menu_store as menus
    from ussd_app.ussd import services
    from ussd_app.ussd.cli import init_app as ussd_cli_init
    from workers.app import use_app

    app = Flask(__name__)
    app.config.from_mapping(load_config(overrides=config))
    _secrets(app)
    logs.init_app(app)
    extensions.init_app(app)
    menus.init_app(app)
    services.init_app(app)
    sms.init_app(app)
    admin.init_app(app)
    members_cli.init_app(app)
    db_cli_init(app)
    ussd_cli_init(app)
    webhooks.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(africastalking.bp)
    for webhook in (health_bp, africastalking.bp, sms_callbacks.bp):  # AT signs nothing: the token guards these
        admin.csrf.exempt(webhook)
    if clients(app).redis_is_fake:
        use_app(app)  # the in-process job queue runs jobs in this very app
    return app


def _secrets(app: Flask) -> None:
    """SECRET_KEY signs cookies and keys the replay digests; every process must share it. The
    webhook token is required too, unless a demo says otherwise on purpose."""
    if not app.config["SECRET_KEY"]:
        if not app.config.get("TESTING"):
            raise RuntimeError("SECRET_KEY must be set (a long random secret; see README)")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if not app.config["USSD_WEBHOOK_TOKEN"] and not app.config["ALLOW_UNAUTHENTICATED_WEBHOOKS"] \
            and not app.config.get("TESTING"):
        # Without it anyone who finds the URL can post hops claiming any phoneNumber.
        raise RuntimeError("USSD_WEBHOOK_TOKEN must be set (a long random secret that AT's callback URLs carry); "
                           "ALLOW_UNAUTHENTICATED_WEBHOOKS=1 starts without it, for a demo only")
    if not app.config["USSD_WEBHOOK_TOKEN"]:
        logging.getLogger(__name__).warning("!!! USSD_WEBHOOK_TOKEN is unset: the webhooks accept anyone. "
                                            "NOT FOR PRODUCTION. !!!")
    key = app.config["SECRET_KEY"].encode()
    app.extensions["lsso_history_key"] = hmac.new(key, b"ussd-history", hashlib.sha256).digest()
