"""WSGI entry point: `python serve.py` (production), `flask --app wsgi …` (commands, make run)."""

from ussd_app import create_app
from ussd_app.ussd.runtime import runtime_of

app = create_app()
runtime_of(app).warm_up()  # each server process, before its first hop
