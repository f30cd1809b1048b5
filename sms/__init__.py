"""SMS: a sending port (Africa's Talking, local outbox), templates, the durable outbox, delivery
reports and opt-outs, reminders. `init_app` wires its callbacks and commands into the Flask app;
the services themselves (`service.build`) are part of the Runtime."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from sms import callbacks, cli, models  # noqa: F401  (models: its tables join the schema)
    from sms.outbox_metrics import oldest_due
    from ussd_app.core.metrics import add_live

    app.register_blueprint(callbacks.bp)
    cli.init_app(app)
    add_live(app, "database", oldest_due)
