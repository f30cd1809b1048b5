"""Real parts: the Redis on 127.0.0.1:6379 (database 15 by default) and, where TEST_DATABASE_URL
is set, PostgreSQL. Each test gets a clean Redis database and, on PostgreSQL, its own schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.conftest import REDIS_TEST_URL, seed_demo_database

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"integration tests need a Redis at {REDIS_TEST_URL} (.ci/run starts one)")
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, seeded with the demo data."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"it_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    seed_demo_database(url)
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
