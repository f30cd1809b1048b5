"""LSSO Connect: the USSD and SMS service of the Lao Social Security Office."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is only needed to build the app: the engine and the rules import without it
    from flask import Flask

    from ussd_app.engine.ports import Clock


def create_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build the app: read settings, build the clients and the Runtime, then let each part wire
    itself with its init_app(). `clock`: the one clock of the app (tests give a FixedClock)."""
    from flask import Flask

    import sms
    from sms import callbacks as sms_callbacks
    from sms.service import build as build_sms
    from sms.templates import LiveTemplates
    from ussd_app import admin, db_cli, dci, enrolment, events
    from ussd_app.analytics import init_app as analytics_init
    from ussd_app.core import extensions, logs
    from ussd_app.core.config import load_config
    from ussd_app.core.health import bp as health_bp
    from ussd_app.core.metrics import bp as metrics_bp
    from ussd_app.dci import views as dci_views
    from ussd_app.gateways import africastalking
    from ussd_app.gateways import webhook_requests as webhooks
    from ussd_app.members import cli as members_cli
    from ussd_app.publishing import cli as menus_cli
    from ussd_app.publishing import menu_store
    from ussd_app.ussd.cli import init_app as ussd_cli_init
    from ussd_app.ussd.runtime import build_runtime

    app = Flask(__name__)
    app.config.from_mapping(load_config(overrides=config))
    _secrets(app)
    logs.init_app(app)
    clients = extensions.init_app(app)
    menus = menu_store.build_menu_store(app.config, clients)
    sms_services = build_sms(app.config, clients.queue)
    menus.sms = sms_services.templates  # a version's own SMS texts are checked against the shipped ones
    sms_services.templates = LiveTemplates(sms_services.templates, menus.live_sms_texts)
    runtime = app.extensions["lsso_runtime"] = build_runtime(app.config, clients, menus, sms_services, clock)
    menus_cli.init_app(app)
    sms.init_app(app)
    admin.init_app(app)
    events.init_app(app)
    enrolment.init_app(app)
    dci.init_app(app, runtime)
    members_cli.init_app(app)
    analytics_init(app)
    db_cli.init_app(app)
    ussd_cli_init(app)
    webhooks.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(africastalking.bp)
    for webhook in (health_bp, metrics_bp, africastalking.bp, sms_callbacks.bp):  # tokens guard these, not cookies
        admin.csrf.exempt(webhook)
    admin.csrf.exempt(dci_views.bp)  # partners authenticate with bearer tokens, not cookies
    # The hop, the hot path, is answered in front of Flask (see gateways/africastalking.py).
    app.wsgi_app = africastalking.HopEndpoint(runtime, app.config, app.wsgi_app)  # type: ignore[method-assign]
    return app


def _secrets(app: Flask) -> None:
    """SECRET_KEY signs cookies and keys the replay digests, PIN_PEPPER keys every PIN hash;
    every process must share them. The webhook token is required too, unless a demo says
    otherwise on purpose."""
    testing = bool(app.config.get("TESTING"))
    if not app.config["SECRET_KEY"]:
        if not testing:
            raise RuntimeError("SECRET_KEY must be set (a long random secret; see README)")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if not app.config["PIN_PEPPER"]:
        if not testing:
            raise RuntimeError("PIN_PEPPER must be set (a long random secret; see README)")
        app.config["PIN_PEPPER"] = secrets.token_hex(16)  # tests: PINs need only live as long as the app
    if not app.config["USSD_WEBHOOK_TOKEN"] and not app.config["ALLOW_UNAUTHENTICATED_WEBHOOKS"] and not testing:
        # Without it anyone who finds the URL can post hops claiming any phoneNumber.
        raise RuntimeError("USSD_WEBHOOK_TOKEN must be set (a long random secret that AT's callback URLs carry); "
                           "ALLOW_UNAUTHENTICATED_WEBHOOKS=1 starts without it, for a demo only")
    if not app.config["USSD_WEBHOOK_TOKEN"]:
        logging.getLogger(__name__).warning("!!! USSD_WEBHOOK_TOKEN is unset: the webhooks accept anyone. "
                                            "NOT FOR PRODUCTION. !!!")
