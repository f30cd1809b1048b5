"""Real parts: the Redis on 127.0.0.1:6379 (database 15 by default) and, where TEST_DATABASE_URL
is set, PostgreSQL. Each test gets a clean Redis database and, on PostgreSQL, its own database
(a copy of a template seeded once: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.at_stub import AtStub
from tests.conftest import BASE_CONFIG, REDIS_TEST_URL

TOKEN = "integration-webhook-token"
DCI_KEY = "dGVzdHMtZGNpLXNpZ25pbmcta2V5LXNlZWQtMzJieXQ="  # 32 bytes: the tests' own Ed25519 seed


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
def stub() -> Iterator[AtStub]:
    """Africa's Talking's SMS API as our stub on 127.0.0.1, driven through the real SDK."""
    stub = AtStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def production_env(pg_url, redis_url):  # type: ignore[no-untyped-def]
    """What production sets, for the web server of tests/servers.py: PostgreSQL, the real Redis."""
    # The demo members were seeded under the tests' pepper.
    return {"SECRET_KEY": "integration-secret", "PIN_PEPPER": BASE_CONFIG["PIN_PEPPER"], "USSD_WEBHOOK_TOKEN": TOKEN,
            "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "DCI_SIGNING_KEY": DCI_KEY}
