"""Shared fixtures: `app`, `client`, `runner` (pallets/flask tutorial style), plus the demo data.

Unit tests get fakeredis and a private SQLite file seeded with the demo data set; integration
tests (tests/integration) add a real Redis and, where TEST_DATABASE_URL is set, PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text

from tests.demo_people import FROZEN_NOW
from tests.ussd_dsl import Conversation, ussd

BASE_CONFIG = {
    "TESTING": True,
    "REDIS_URL": "",
    "PIN_PEPPER": "test-pepper",
    "SECRET_KEY": "test-secret",
    "LOG_LEVEL": "WARNING",
    "ADMIN_COOKIE_SECURE": True,  # as in production, whatever the environment says
}


def make_app(database_url: str, clock: object = None, **overrides: object) -> Flask:
    """The app on `database_url`, its clock frozen at FROZEN_NOW unless `clock` is given (tests
    that run real worker processes, which read the real time, give SystemClock())."""
    from ussd_app import create_app
    from ussd_app.core.clock import FixedClock

    return create_app({**BASE_CONFIG, "DATABASE_URL": database_url, **overrides},
                      clock=clock or FixedClock(FROZEN_NOW))  # type: ignore[arg-type]


def seed_demo_database(database_url: str) -> None:
    """Create the schema at `database_url` and load the demo data set into it."""
    from ussd_app.core.database import create_schema
    from ussd_app.core.extensions import clients
    from ussd_app.core.job_queue import InProcessJobQueue
    from ussd_app.members.demo.seed import seed_demo
    from ussd_app.publishing import versions as menu_versions
    from ussd_app.ussd.runtime import runtime_of

    app = make_app(database_url, DATABASE_STATEMENT_TIMEOUT_MS=60000)  # batch work, as `flask db create` does
    create_schema(clients(app).engine)
    with clients(app).sessions() as session:
        seed_demo(session, runtime_of(app).pins)
        session.commit()
        menu_versions.seed(session, MENU_FILE, runtime_of(app).actions)
    queue = clients(app).queue
    if isinstance(queue, InProcessJobQueue):
        queue.drain()  # the seed's events were handed to the partner API's dispatcher: let it finish first
    clients(app).dispose()


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema and the demo data, built once and copied per test."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    seed_demo_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, demo_db_template: Path) -> str:
    """A private copy of the demo database: SQLite by default; PostgreSQL too for modules marked
    `both_databases` (each such test runs once on each)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return request.getfixturevalue("pg_url")
    path = tmp_path / "lsso.db"
    shutil.copy(demo_db_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database with the schema and the demo data, built once; tests get copies."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it when PostgreSQL answers)")
    name = f"lsso_tpl_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        seed_demo_database(_pg_database(name))
        yield name
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database holding the demo data (a copy of the template: fast)."""
    name = f"lsso_t_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_database(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A PostgreSQL database with nothing in it."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it when PostgreSQL answers)")
    name = f"lsso_e_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_database(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_database(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_databases"):
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def app_on_demo_data(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Builds apps on this test's copy of the demo data (`**overrides`: settings), and ends them."""
    from ussd_app.core.extensions import clients
    from ussd_app.core.job_queue import InProcessJobQueue

    made: list[Flask] = []

    def build(**overrides: object) -> Flask:
        made.append(make_app(database_url, **overrides))
        return made[-1]

    yield build
    for app in made:
        queue = clients(app).queue
        if isinstance(queue, InProcessJobQueue):
            queue.drain()  # jobs the test queued finish before their database goes
        clients(app).dispose()


@pytest.fixture
def app(app_on_demo_data: Callable[..., Flask]) -> Flask:
    return app_on_demo_data()


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
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
