"""WSGI entry point: `python serve.py` (production), `flask --app wsgi …` (commands, make run)."""

import sys
from pathlib import Path

from ussd_app import create_app
from ussd_app.core.extensions import clients
from ussd_app.core.job_queue import InProcessJobQueue
from ussd_app.ussd.runtime import runtime_of

app = create_app()
# Each server process warms up before its first hop; a CLI command other than `flask run` serves
# no hop (and `flask db create` runs before there are tables to warm up on).
if Path(sys.argv[0]).name != "flask" or "run" in sys.argv[1:]:
    runtime_of(app).warm_up()
    queue = clients(app).queue
    if isinstance(queue, InProcessJobQueue):  # make run: no rq cron, so this process looks for dropped sessions
        queue.every(app.config["USSD_DROP_SWEEP_SECONDS"], "workers.jobs.sweep_drops")
