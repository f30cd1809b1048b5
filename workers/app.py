"""The app a job runs in: built once per worker process from the environment, or handed over
by the web process when jobs run inside it (the demo's in-process queue)."""

from __future__ import annotations

from flask import Flask

_app: Flask | None = None


def use_app(app: Flask) -> None:
    global _app
    _app = app


def worker_app() -> Flask:
    global _app
    if _app is None:
        from ussd_app import create_app
        from ussd_app.core.extensions import use_job_limits

        _app = create_app()
        use_job_limits(_app)
    return _app
