"""The app an RQ worker process runs its jobs in: built once per process, from the environment.

Only worker processes use it; jobs run by the in-process queue of `make run` are handed the
app that queued them instead (`app=`), so no app is ever shared through a global.
"""

from __future__ import annotations

import functools

from flask import Flask


@functools.cache
def worker_app() -> Flask:
    from ussd_app import create_app
    from ussd_app.core.extensions import use_job_limits

    app = create_app()
    use_job_limits(app)
    return app
