"""Which Redis the settings name: one server (REDIS_URL), or the primary the Sentinels name."""

from __future__ import annotations

import pytest
from redis.sentinel import SentinelConnectionPool

from ussd_app.core.breaker import Breaker
from ussd_app.core.config import load_config
from ussd_app.core.extensions import redis_from_config, rq_connection_settings, sentinel_addresses
from ussd_app.core.redis_breaker import BreakerSentinelConnection


def test_sentinel_addresses_are_read_and_mistakes_named():
    assert sentinel_addresses("10.0.0.1:26379, sentinel-2:26380,[::1]:26381") == [
        ("10.0.0.1", 26379), ("sentinel-2", 26380), ("::1", 26381)]
    with pytest.raises(ValueError, match="'sentinel-2' is not host:port"):
        sentinel_addresses("10.0.0.1:26379,sentinel-2")
    with pytest.raises(ValueError, match="names no Sentinel"):
        sentinel_addresses(" , ")


def test_with_sentinels_every_client_asks_them_for_the_primary():
    cfg = load_config(env={"REDIS_SENTINELS": "127.0.0.1:26379,127.0.0.1:26380", "REDIS_SENTINEL_MASTER": "lsso",
                           "REDIS_URL": "redis://:secret@ignored:6379/3"})
    client, fake = redis_from_config(cfg, Breaker("redis"))  # nothing is connected yet
    pool = client.connection_pool
    assert not fake and isinstance(pool, SentinelConnectionPool) and pool.service_name == "lsso"
    assert pool.connection_class is BreakerSentinelConnection
    assert pool.connection_kwargs["db"] == 3 and pool.connection_kwargs["password"] == "secret"
    assert pool.connection_kwargs["socket_timeout"] == cfg["REDIS_TIMEOUT_SECONDS"]
    rq = rq_connection_settings(cfg)["SENTINEL"]  # RQ's own commands: the same Sentinels and database
    assert rq["INSTANCES"] == [("127.0.0.1", 26379), ("127.0.0.1", 26380)]
    assert (rq["MASTER_NAME"], rq["DB"], rq["PASSWORD"]) == ("lsso", 3, "secret")


def test_without_sentinels_redis_url_as_before():
    cfg = load_config(env={"REDIS_URL": "redis://127.0.0.1:6379/15"})
    client, fake = redis_from_config(cfg)
    assert not fake and client.connection_pool.connection_kwargs["db"] == 15
    assert rq_connection_settings(cfg) == {"REDIS_URL": "redis://127.0.0.1:6379/15"}
