"""When Redis or the database does not answer, a member gets a polite bilingual END within 1 s."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import make_app
from ussd_app.gateways.errors import FAULT_TEXT

pytestmark = pytest.mark.both_databases  # the journeys on production's database too

HOP = {"sessionId": "fault-1", "serviceCode": "*211#", "phoneNumber": "+8562055512345", "networkCode": "41801",
       "text": ""}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket closes


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A server that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    server.close()


def timed_hop(app) -> tuple[float, int, str]:
    client = app.test_client()
    started = time.perf_counter()
    response = client.post("/ussd/africastalking", data=HOP)
    return time.perf_counter() - started, response.status_code, response.get_data(as_text=True)


def assert_polite_end(elapsed: float, status: int, body: str) -> None:
    assert status == 200
    assert body == "END " + FAULT_TEXT
    assert "ລະບົບຂັດຂ້ອງຊົ່ວຄາວ" in body and "try again later" in body
    assert "Traceback" not in body
    assert elapsed < 1.0, f"fault reply took {elapsed:.2f} s"


def test_redis_refusing_connections(database_url, caplog):
    app = make_app(database_url, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert_polite_end(*timed_hop(app))
    assert any("hop failed" in r.getMessage() for r in caplog.records)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and "redis" in ready.get_json()["failed"]


def test_redis_that_never_answers(database_url, black_hole):
    app = make_app(database_url, REDIS_URL=f"redis://127.0.0.1:{black_hole}/0")
    assert_polite_end(*timed_hop(app))


def test_database_refusing_connections():
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/test")
    assert_polite_end(*timed_hop(app))
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failed"] == {"database": "OperationalError"}


def test_database_without_its_schema(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/empty.db")
    elapsed, status, body = timed_hop(app)
    assert_polite_end(elapsed, status, body)


def test_postgresql_database_without_its_schema(empty_pg_url):
    assert_polite_end(*timed_hop(make_app(empty_pg_url)))
