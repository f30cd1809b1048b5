"""The cluster of deploy/cluster.py, as `make cluster` starts it, on free ports: HAProxy in front of
three web nodes, Redis with a replica and three Sentinels, PostgreSQL, two RQ workers, the
scheduler and rq cron. Every test is bounded in time, and the cluster is stopped at the end.

Runs where Debian's haproxy and redis-server are installed (.ci/run installs them; there a
missing package fails the test instead of skipping it).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, select

from deploy.cluster import Cluster, Layout
from tests.at_stub import AtStub
from tests.conftest import BASE_CONFIG
from tests.demo_people import PENSIONER, PIN
from tests.integration.conftest import DCI_KEY
from tests.servers import free_port
from ussd_app.gateways.errors import FAULT_TEXT

TOKEN = "cluster-webhook-token"
METRICS = "cluster-metrics-token"


def _required() -> None:
    missing = [cmd for cmd in ("haproxy", "redis-server") if shutil.which(cmd) is None]
    if missing:
        if os.environ.get("CLUSTER_REQUIRED"):
            pytest.fail(f"missing for the cluster tests: {missing} (apt-get install haproxy redis-server)")
        pytest.skip(f"{missing} not installed: the cluster tests need Debian's haproxy and redis-server")


@pytest.fixture(scope="module")
def stub() -> Iterator[AtStub]:
    made = AtStub().start()
    yield made
    made.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pg_template, stub) -> Iterator[Cluster]:  # type: ignore[no-untyped-def]
    """One cluster for the module, on a copy of the demo database (PostgreSQL)."""
    from tests.conftest import _pg_admin, _pg_database

    _required()
    name = f"lsso_cl_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    folder = tmp_path_factory.mktemp("cluster")
    (folder / "cluster.env").write_text("".join(f"{k}={v}\n" for k, v in {
        "SECRET_KEY": "cluster-secret", "PIN_PEPPER": BASE_CONFIG["PIN_PEPPER"], "USSD_WEBHOOK_TOKEN": TOKEN,
        "METRICS_TOKEN": METRICS, "DCI_SIGNING_KEY": DCI_KEY}.items()))
    layout = Layout(folder=folder, http_port=free_port(), stats_port=free_port(),
                    web_ports=(free_port(), free_port(), free_port()), redis_ports=(free_port(), free_port()),
                    sentinel_ports=(free_port(), free_port(), free_port()), database_url=_pg_database(name),
                    extra_env={"SMS_BACKEND": "africastalking", "AT_USERNAME": "lsso", "AT_API_KEY": "stub-key",
                               "AT_SENDER_ID": "LSSO", "AT_API_BASE_URL": stub.url, "AT_TIMEOUT_SECONDS": "2",
                               "SMS_LOST_AFTER": "5", "SMS_SWEEP_SECONDS": "2",
                               "USSD_RESUME_MINUTES": "0"})  # journeys left mid-way on purpose: no offer
    made = Cluster(layout)
    try:
        made.start(seed_demo=False)  # the template holds the demo members, under the tests' pepper
        yield made
    finally:
        made.stop()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    node: str


class Phone:
    """One member's phone talking to a base URL, with keep-alive, as AT's gateway does."""

    def __init__(self, base: str, phone: str = PENSIONER) -> None:
        self.host = urlsplit(base).netloc
        self.phone = phone
        self.conn = http.client.HTTPConnection(self.host, timeout=10)

    def hop(self, session: str, text: str) -> Answer:
        body = urlencode({"sessionId": session, "serviceCode": "*211#", "phoneNumber": self.phone,
                          "networkCode": "41801", "text": text})
        for attempt in range(2):
            try:
                self.conn.request("POST", f"/ussd/africastalking?token={TOKEN}", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
                response = self.conn.getresponse()
                return Answer(response.status, response.read().decode(), response.getheader("X-Served-By", ""))
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()  # an idle keep-alive connection HAProxy closed: once more, on a new one
                self.conn = http.client.HTTPConnection(self.host, timeout=10)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def journey(self, keys: list[str]) -> list[Answer]:
        session = f"cl-{uuid.uuid4().hex[:12]}"
        return [self.hop(session, "*".join(keys[:n])) for n in range(len(keys) + 1)]


def test_a_journey_round_robin_over_the_nodes_gives_the_screens_of_one_node(cluster):
    keys = ["1", PIN]
    spread = Phone(cluster.url).journey(keys)
    single = Phone(cluster.node_url(1)).journey(keys)
    assert [a.status for a in spread] == [200] * 3
    assert [a.body for a in spread] == [a.body for a in single]
    assert "ຈ່າຍແລ້ວ" in spread[-1].body and spread[-1].body.startswith("CON ")
    assert len({a.node for a in spread}) == 3, [a.node for a in spread]  # each hop on another node


def test_metrics_of_a_node_add_up_its_processes_and_its_worker(cluster):
    for _ in range(3):
        Phone(cluster.url).journey(["1", PIN])
    served = 0.0
    for n in (1, 2, 3):
        conn = http.client.HTTPConnection(urlsplit(cluster.node_url(n)).netloc, timeout=5)
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS}"})
        response = conn.getresponse()
        assert response.status == 200
        for family in text_string_to_metric_families(response.read().decode()):
            for sample in family.samples:
                if sample.name == "lsso_ussd_hops_total" and sample.labels.get("outcome") == "screen":
                    served += sample.value
    assert served >= 9  # three journeys of three screens, whichever node took each hop


def _traffic(base: str, stop: threading.Event, answers: list[Answer], errors: list[str]) -> None:
    phone = Phone(base)
    deadline = time.monotonic() + 30  # bounded whatever happens
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            answers.extend(phone.journey(["1", PIN]))
        except Exception as exc:  # noqa: BLE001 - a refused or cut connection is what the test looks for
            errors.append(f"{type(exc).__name__}: {exc}")


def test_stopping_a_web_node_mid_traffic_loses_no_hop(cluster):
    stop, answers, errors = threading.Event(), [], []  # type: ignore[var-annotated]
    threads = [threading.Thread(target=_traffic, args=(cluster.url, stop, answers, errors)) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.5)
        cluster.stop_node(2, signal.SIGTERM)
        stopped_at = len(answers)
        time.sleep(3)  # HAProxy's checks (every second, out after two failures) take it out meanwhile
    finally:
        stop.set()
        for t in threads:
            t.join(40)
    after = answers[stopped_at:]
    try:
        assert not errors, errors[:5]
        assert [a for a in answers if a.status != 200] == []
        assert all(a.body.startswith(("CON ", "END ")) and FAULT_TEXT not in a.body for a in answers)
        assert len(after) > 50 and all(a.node in ("web-1", "web-3") for a in after[-20:])
        print(f"web-2 stopped mid-traffic: {len(answers)} hops, none failed; {len(after)} after the stop")
    finally:
        cluster.start_node(2)
        cluster.wait_for(lambda: cluster._answers(f"{cluster.node_url(2)}/readyz"), 60, "web-2 back")
        # Back in rotation once HAProxy's checks see it twice.
        cluster.wait_for(lambda: any(a.node == "web-2" for a in Phone(cluster.url).journey(["1"])), 20,
                         "web-2 in rotation again")


def test_killing_the_redis_primary_with_sms_queued_loses_and_doubles_none(cluster, stub):
    from sms.models import SmsMessage

    stub.delay = 1.0  # a slow provider: most jobs are still queued in Redis when the primary dies
    sent_before = len(stub.accepted)
    asked = 0
    before = cluster.primary()
    try:
        for _ in range(12):
            ends = Phone(cluster.url).journey(["1", PIN, "1"])[-1]
            assert ends.body.startswith("END "), ends.body
            asked += 1
        cluster.kill_primary()
        killed = time.monotonic()
        phone, faults, back_after = Phone(cluster.url), 0, None
        while time.monotonic() - killed < 30:
            answer = phone.hop(f"cl-kill-{uuid.uuid4().hex[:8]}", "")
            assert answer.status == 200, answer
            if FAULT_TEXT in answer.body:
                faults += 1
            else:
                back_after = time.monotonic() - killed
                break
            time.sleep(0.05)
        assert back_after is not None, f"no answer within 30 s of the kill ({faults} fault replies)"
        assert cluster.primary() != before
        print(f"primary killed with SMS queued: fault replies for {back_after:.1f} s ({faults} hops)")
        # Replication is asynchronous: the promoted replica may lack the last jobs. Here it got
        # them all (even a frozen replica reads them from its socket on waking), so the queue is
        # emptied on the new primary, as such a loss would leave it: only the outbox's sweep can
        # bring those messages back.
        host, port = cluster.primary()
        lost = redis.Redis(host=host, port=port).delete("rq:queue:sms")
        assert stub.wait_for(sent_before + asked, 60), \
            f"{len(stub.accepted) - sent_before} of {asked} SMS sent within 60 s of the kill"
        time.sleep(3)  # a sweep or two more: nothing may be sent twice
    finally:
        stub.delay = 0.0
    engine = create_engine(cluster.layout.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(SmsMessage.provider_message_id, SmsMessage.status)
                                .where(SmsMessage.kind == "statement")).all()
    finally:
        engine.dispose()
    accepted = stub.accepted[sent_before:]
    assert len(accepted) == asked == len(rows)
    assert sorted(r.message_id for r in accepted) == sorted(r.provider_message_id for r in rows)
    assert {r.status for r in rows} <= {"sent", "delivered"}
    logs = "\n".join(f.read_text() for f in (cluster.folder / "logs").glob("*.log"))
    recreated = sum(int(n) for n in re.findall(r"(\d+) jobs re-created", logs))
    print(f"{asked} SMS asked for before the kill, each sent once; jobs re-created by the sweep: {recreated}")
    assert lost and recreated, "no job was lost: the sweep's part was not exercised"


def test_a_bounded_load_on_three_nodes_and_on_one_answers_every_hop(cluster):
    """bench/cluster_load.py's rounds, short: wrk through HAProxy with three nodes, then with one
    (the others in maintenance), 3 s each. Every hop answered; the figures are printed, not
    judged (README's table comes from the benchmark's longer run)."""
    if shutil.which("wrk") is None:
        if os.environ.get("CLUSTER_REQUIRED"):
            pytest.fail("wrk is missing (apt-get install wrk)")
        pytest.skip("wrk is not installed")
    from bench.cluster_load import measured, serve_with

    url = f"{cluster.url}/ussd/africastalking?token={TOKEN}"
    try:
        rounds = {}
        for nodes in (3, 1):
            serve_with(cluster, nodes)
            rounds[nodes] = measured(cluster, url, 3, Path(__file__).resolve().parents[1] / "wrk_journey.lua")
    finally:
        serve_with(cluster, 3)
    for nodes, r in rounds.items():
        print(f"{nodes} node(s): {r.hops:,.0f} hops/s, p99 {r.p99:.1f} ms, non-2xx/errors {r.bad}")
        assert r.bad == 0 and r.hops > 0
