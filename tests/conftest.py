"""Shared fixtures: `app`, `client`, `runner` (pallets/flask tutorial style), plus the demo data.

Unit tests get fakeredis and a private SQLite file seeded with the demo data set; integration
tests (tests/integration) add a real Redis and, where TEST_DATABASE_URL is set, PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.ussd_dsl import Conversation, ussd

# The demo contribution histories run to 2026-10; tests look at them from a fixed moment.
FROZEN_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vientiane

BASE_CONFIG = {
    "TESTING": True,
    "REDIS_URL": "",
    "PIN_PEPPER": "test-pepper",
    "SECRET_KEY": "test-secret",
    "LOG_LEVEL": "WARNING",
    "ADMIN_COOKIE_SECURE": True,  # as in production, whatever the environment says
}


def make_app(database_url: str, **overrides: object) -> Flask:
    from ussd_app import create_app
    from ussd_app.clock import FixedClock
    from ussd_app.services import app_services

    app = create_app({**BASE_CONFIG, "DATABASE_URL": database_url, **overrides})
    app_services(app).clock = FixedClock(FROZEN_NOW)
    return app


def seed_demo_database(database_url: str) -> None:
    """Create the schema at `database_url` and load the demo data set into it."""
    from ussd_app import menu_versions
    from ussd_app.database import create_schema
    from ussd_app.extensions import clients
    from ussd_app.members.demo import seed_demo
    from ussd_app.services import app_services

    app = make_app(database_url)
    create_schema(clients(app).engine)
    with clients(app).sessions() as session:
        seed_demo(session, app_services(app).pins)
        session.commit()
        menu_versions.seed(session, MENU_FILE)
    clients(app).engine.dispose()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema and the demo data, built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    seed_demo_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, demo_db_template: Path) -> str:
    path = tmp_path / "lsso.db"
    shutil.copy(demo_db_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    from ussd_app.extensions import clients

    clients(app).queue.drain()  # jobs the test queued finish before their database goes
    clients(app).engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def dial(client: FlaskClient):  # type: ignore[no-untyped-def]
    """dial("+856…") -> a Conversation through the real webhook."""

    def start(phone: str, dial_string: str = "", **kwargs: object) -> Conversation:
        return ussd(client).dial(phone, dial_string, **kwargs)

    return start


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


MENU_FILE = Path(__file__).resolve().parents[1] / "menus" / "main.yaml"
REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
