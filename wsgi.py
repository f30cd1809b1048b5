"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi …"""

from ussd_app import create_app

app = create_app()
