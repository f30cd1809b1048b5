"""PostgreSQL and Redis that go quiet, or hang, as production meets them: under production's web
server (serve.py: Granian, threads in each process) and in-process, a member gets either the
right screen or the polite END within 1 s."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import make_app
from tests.demo_people import PENSIONER, PIN
from tests.integration.conftest import TOKEN
from tests.servers import WebServer, at_once, get, post
from tests.tcp_proxy import TcpProxy
from ussd_app.core.extensions import clients
from ussd_app.gateways.errors import FAULT_TEXT

MEMBER_MENU = "1 ເງິນສົມທົບ"  # a dial from a linked phone: the member is read from the database


def via(url: str, proxy: TcpProxy) -> str:
    """The same URL, through the proxy's port."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)
    netloc = (host[0] + "@" if len(host) == 2 else "") + f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def hop_form(session_id: str, text: str, phone: str = PENSIONER) -> dict[str, str]:
    return {"sessionId": session_id, "serviceCode": "*211#", "phoneNumber": phone, "networkCode": "41801",
            "text": text}


def in_process_hop(client, session_id: str, text: str) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    body = client.post("/ussd/africastalking", data=hop_form(session_id, text)).get_data(as_text=True)
    return time.perf_counter() - started, body


# ---- in-process, on PostgreSQL ----------------------------------------------------------------

def test_hops_after_an_idle_pause_all_succeed(pg_url, redis_url):
    """Pooled connections idle past the ping threshold: the ping must leave no transaction open
    behind it (it did, and the next autocommit read failed: 12 of 16 hops)."""
    app = make_app(pg_url, REDIS_URL=redis_url, DATABASE_IDLE_PING_SECONDS=0.5)
    client = app.test_client()

    def dial(sid: str) -> str:
        return client.post("/ussd/africastalking", data=hop_form(sid, "")).get_data(as_text=True)

    with ThreadPoolExecutor(8) as pool:  # several pooled connections in use, then all idle
        assert all(MEMBER_MENU in b for b in pool.map(dial, [f"warm-{i}" for i in range(16)]))
    time.sleep(0.8)
    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(dial, [f"idle-{i}" for i in range(16)]))
    assert [b for b in bodies if MEMBER_MENU not in b] == []
    # And a whole journey on one of those connections.
    assert "ຈ່າຍແລ້ວ" in client.post("/ussd/africastalking", data=hop_form("idle-pin", f"1*{PIN}")).get_data(
        as_text=True)
    clients(app).dispose()


def test_a_hanging_database_gets_the_fault_reply_within_a_second_and_recovers(pg_url, redis_url):
    with TcpProxy(urlsplit(pg_url).port or 5432) as proxy:
        app = make_app(via(pg_url, proxy), REDIS_URL=redis_url)
        client = app.test_client()
        assert "ຈ່າຍແລ້ວ" in in_process_hop(client, "before", f"1*{PIN}")[1]
        proxy.freeze()
        for i in range(3):
            elapsed, body = in_process_hop(client, f"frozen-{i}", f"1*{PIN}")
            assert body == "END " + FAULT_TEXT
            assert elapsed < 1.0, f"fault reply {i} took {elapsed:.2f} s"
        started = time.perf_counter()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "database" in ready.get_json()["failed"]
        assert time.perf_counter() - started < 1.0
        proxy.thaw()
        assert _recovers(lambda: "ຈ່າຍແລ້ວ" in in_process_hop(client, f"after-{uuid.uuid4().hex}", f"1*{PIN}")[1])
        assert client.get("/readyz").status_code == 200
        clients(app).dispose()


def test_a_new_connection_to_a_hanging_database_gives_up_within_a_second(pg_url, redis_url):
    """No pooled connection to reuse: connecting itself must be bounded (libpq will not go under 2 s)."""
    with TcpProxy(urlsplit(pg_url).port or 5432) as proxy:
        proxy.freeze()
        app = make_app(via(pg_url, proxy), REDIS_URL=redis_url)
        elapsed, body = in_process_hop(app.test_client(), "cold", f"1*{PIN}")
        assert body == "END " + FAULT_TEXT and elapsed < 1.0, f"{elapsed:.2f} s: {body}"
        clients(app).dispose()


def test_a_slow_statement_is_cancelled_by_the_server(pg_url, redis_url):
    app = make_app(pg_url, REDIS_URL=redis_url, DATABASE_STATEMENT_TIMEOUT_MS=200)
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    started = time.perf_counter()
    with pytest.raises(OperationalError, match="statement timeout"), clients(app).engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(2)"))
    assert time.perf_counter() - started < 0.5
    with clients(app).engine.connect() as conn:  # the server said so: the connection is still good
        assert conn.execute(text("SELECT 1")).scalar() == 1
    clients(app).dispose()


def _recovers(check, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


# ---- under production's command (serve.py) -----------------------------------------------------

def _hops(server: WebServer, n: int, text: str = "") -> list:  # type: ignore[type-arg]
    url = f"{server.url}/ussd/africastalking?token={TOKEN}"
    tag = uuid.uuid4().hex[:8]
    return at_once([lambda i=i: post(url, hop_form(f"{tag}-{i}", text)) for i in range(n)])


def test_the_web_server_after_an_idle_pause(production_env):
    """Production's settings as they are (pinging after 10 s idle), and a quiet 11 s: the hops
    after the pause failed, 16 of 16, before the ping left no transaction open."""
    with WebServer(production_env) as server:
        assert all(MEMBER_MENU in r.body for r in _hops(server, 16)), server.log()
        time.sleep(11)
        replies = _hops(server, 16)
        assert [r.body for r in replies if MEMBER_MENU not in r.body] == [], server.log()


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_the_web_server_fault_replies_stay_under_a_second_when_a_backend_hangs(backend, pg_url, redis_url,
                                                                              production_env):
    url = pg_url if backend == "database" else redis_url
    with TcpProxy(urlsplit(url).port) as proxy:
        env = {**production_env, ("DATABASE_URL" if backend == "database" else "REDIS_URL"): via(url, proxy)}
        with WebServer(env) as server:
            assert all(MEMBER_MENU in r.body for r in _hops(server, 16)), server.log()
            proxy.freeze()
            for concurrent in (16, 50, 50):
                replies = _hops(server, concurrent)
                slow = sorted(round(r.seconds, 2) for r in replies if r.seconds >= 1.0)
                assert {r.body for r in replies} == {"END " + FAULT_TEXT}
                assert slow == [], f"{len(slow)} of {concurrent} fault replies took 1 s or more: {slow}"
            started = time.perf_counter()
            ready = get(f"{server.url}/readyz")
            assert ready.status == 503 and backend in ready.body and time.perf_counter() - started < 1.0
            proxy.thaw()
            # Each process's breaker lets a probe through within a second; then all is well again.
            assert _recovers(lambda: all(MEMBER_MENU in r.body for r in _hops(server, 16)), 10), server.log()
