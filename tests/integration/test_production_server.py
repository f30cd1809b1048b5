"""Production's command (python serve.py) as an operator and an attacker meet it: it
will not start open to anyone, it keeps the webhook token out of its logs, and huge bodies do
not hold its workers."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import TOKEN
from tests.servers import WebServer, post

HOP = {"sessionId": "prod-1", "serviceCode": "*211#", "phoneNumber": "+8562055512345", "networkCode": "41801",
       "text": ""}


def test_it_will_not_start_without_a_webhook_token(production_env):
    env = {**production_env, "USSD_WEBHOOK_TOKEN": ""}
    with pytest.raises(RuntimeError) as refused, WebServer(env, workers=1):
        pass
    assert "USSD_WEBHOOK_TOKEN must be set" in str(refused.value)


def test_the_access_log_never_holds_the_token(production_env, tmp_path: Path):
    log = tmp_path / "access.log"
    with WebServer({**production_env, "ACCESS_LOG": str(log)}, workers=1) as server:
        assert post(f"{server.url}/ussd/africastalking?token={TOKEN}", HOP).body.startswith("CON ")
        assert post(f"{server.url}/ussd/africastalking?token=guess", HOP).status == 403
    written = log.read_text()
    assert "POST /ussd/africastalking HTTP/1.1" in written and " 200 " in written and " 403 " in written
    assert TOKEN not in written and "guess" not in written and "token=" not in written


def _huge_post(port: int, size: int, out: list) -> None:  # type: ignore[type-arg]
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(f"POST /ussd/africastalking?token={TOKEN} HTTP/1.1\r\nHost: x\r\n"
                  f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n".encode())
        chunk = b"1" * 65536
        try:
            for _ in range(size // len(chunk)):
                s.sendall(chunk)
        except OSError:
            pass  # refused and closed before the body was all sent: what we want
        s.settimeout(5)
        try:
            answer = s.recv(200).decode(errors="replace")
        except OSError:
            answer = ""
    out.append((time.perf_counter() - started, answer))


def test_huge_bodies_are_refused_at_once_and_hold_no_worker(production_env):
    with WebServer(production_env, workers=1, threads=2) as server:
        answers: list = []  # type: ignore[type-arg]
        senders = [threading.Thread(target=_huge_post, args=(server.port, 50 * 1024 * 1024, answers))
                   for _ in range(2)]
        for t in senders:
            t.start()
        time.sleep(0.2)
        hop = post(f"{server.url}/ussd/africastalking?token={TOKEN}", HOP)
        for t in senders:
            t.join(30)
    assert hop.body.startswith("CON ") and hop.seconds < 1.0, hop
    assert len(answers) == 2
    for seconds, answer in answers:
        assert answer.startswith("HTTP/1.1 413"), answer
        assert seconds < 2.0


def test_metrics_add_up_every_worker_process(production_env):
    """prometheus_client's multiprocess mode under serve.py: whichever process answered a hop,
    /metrics (from whichever process answers it) counts them all."""
    from prometheus_client.parser import text_string_to_metric_families

    from tests.servers import at_once

    with WebServer({**production_env, "METRICS_TOKEN": "prod-metrics"}, workers=3, threads=2) as server:
        url = f"{server.url}/ussd/africastalking?token={TOKEN}"
        calls = [lambda n=n: post(url, {**HOP, "sessionId": f"prod-m-{n}"}) for n in range(30)]
        assert all(r.body.startswith("CON ") for r in at_once(calls))
        request = urllib.request.Request(f"{server.url}/metrics", headers={"Authorization": "Bearer prod-metrics"})
        with urllib.request.urlopen(request, timeout=10) as r:  # noqa: S310 - loopback only
            scraped = r.read().decode()
    hops = sum(s.value for f in text_string_to_metric_families(scraped) for s in f.samples
               if s.name == "lsso_ussd_hops_total" and s.labels["outcome"] == "screen")
    pids = {line.split("pid=")[1] for line in scraped.splitlines() if "pid=" in line}
    assert hops == 30, scraped[:2000]
    assert not pids  # summed across processes, not one series per process
