"""SMS: a sending port (Africa's Talking, local outbox), templates, the durable outbox, delivery
reports and opt-outs, reminders. `init_app` wires it into the Flask app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from sms import callbacks, cli, service
    from ussd_app.core.extensions import clients

    app.extensions["lsso_sms"] = service.build(app, clients(app).queue)
    app.register_blueprint(callbacks.bp)
    cli.init_app(app)
