"""Signing in to the admin console from tests, with real CSRF tokens taken from the pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

PASSWORD = "a long password 123"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def create_user(app: Flask, email: str, role: str, password: str = PASSWORD, language: str = "en") -> None:
    """A staff account. New accounts read the console in Lao; tests read it in English unless they
    are about the Lao console (`language="lo"`)."""
    result = app.test_cli_runner().invoke(args=["admin", "create-user", email, "--role", role, "--password", password,
                                                "--language", language])
    assert result.exit_code == 0, result.output


def token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1) or found.group(2)


class Staff:
    """A browser-like client for one admin user."""

    def __init__(self, app: Flask, email: str, role: str | None = None, language: str = "en") -> None:
        if role:
            create_user(app, email, role, language=language)
        self.email = email
        self.client: FlaskClient = app.test_client()
        self.client.environ_base["wsgi.url_scheme"] = "https"  # the cookie is Secure, as in production
        self.last = ""

    def get(self, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        response = self.client.get(path, **kwargs)
        self.last = response.get_data(as_text=True)
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True, page: str | None = None):  # type: ignore[no-untyped-def]
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = token(self.get(page).get_data(as_text=True) if page else self.last)
        response = self.client.post(path, data=data)
        self.last = response.get_data(as_text=True)
        return response

    def sign_in(self, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        self.get("/admin/login")
        return self.post("/admin/login", {"email": self.email, "password": password})
