"""The partner API: LSSO as a DCI registry other social protection schemes query and subscribe to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from ussd_app.ussd.runtime import Runtime


def init_app(app: Flask, rt: Runtime) -> None:
    from ussd_app.dci import api, cli, models, views  # noqa: F401  (models: their tables join the schema)
    from ussd_app.events import bus

    app.extensions["lsso_dci"] = api.build(app, rt)
    bus.add_consumer("workers.jobs.dci_dispatch")  # partners hear of events as they are committed
    app.register_blueprint(views.bp)
    cli.init_app(app)
