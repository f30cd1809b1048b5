"""WSGI entry point: `python serve.py` (production), `flask --app wsgi …` (commands, make run)."""

from ussd_app import create_app

app = create_app()
