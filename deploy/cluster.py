"""The production layout on one machine, from Debian's packages (haproxy, redis-server, postgresql):

    HAProxy :8080  ->  web-1 :8101, web-2 :8102, web-3 :8103   (python serve.py each; /readyz checks)
    Redis primary :6391, replica :6392, Sentinels :26391-26393  (every client through the Sentinels)
    PostgreSQL (this machine's server, DATABASE_URL)            the system of record and the outbox
    two RQ workers, the scheduler, rq cron                      (python -m workers.…)

    python -m deploy.cluster up       (make cluster)       start it all, wait until HAProxy answers
    python -m deploy.cluster status                         who runs, and what HAProxy thinks of the nodes
    python -m deploy.cluster down     (make cluster-down)   stop it all

Everything lives in var/cluster/: the secrets made on the first `up` (cluster.env, kept for the
next), each process's log and pid, HAProxy's and the Sentinels' configuration, and each node's
metrics folder. README ("A cluster on one machine") maps it onto separate machines. The cluster
tests (tests/integration/test_cluster.py) start this very class on free ports.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ussd_app.core.metrics_files import alive

ROOT = Path(__file__).resolve().parents[1]
MASTER = "lsso"
PACKAGES = {"haproxy": "haproxy", "redis-server": "redis-server"}
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/lsso_cluster"


@dataclass
class Layout:
    folder: Path = ROOT / "var" / "cluster"
    http_port: int = 8080
    stats_port: int = 8404
    web_ports: tuple[int, ...] = (8101, 8102, 8103)
    redis_ports: tuple[int, int] = (6391, 6392)  # primary, replica
    sentinel_ports: tuple[int, int, int] = (26391, 26392, 26393)
    workers: int = 2
    web_workers: int = 1  # processes per web node (three nodes on a 2-core machine: one each)
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or DEFAULT_DATABASE)
    extra_env: dict[str, str] = field(default_factory=dict)  # tests: an AT stub, short sweeps
    down_after_ms: int = 1000  # a primary silent this long is down for a Sentinel
    failover_timeout_ms: int = 4000


class Cluster:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.folder = layout.folder
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    # ---- the whole -------------------------------------------------------------------------

    def start(self, seed_demo: bool = True) -> Cluster:
        missing = [pkg for cmd, pkg in PACKAGES.items() if shutil.which(cmd) is None]
        if missing:
            raise SystemExit(f"missing Debian packages: apt-get install {' '.join(missing)}")
        self.env = {**self._secrets(), **self.layout.extra_env}
        try:
            self.start_redis()
            self.prepare_database(seed_demo)
            for n in range(1, len(self.layout.web_ports) + 1):
                self.start_node(n)
            for n in range(1, len(self.layout.web_ports) + 1):
                self.wait_for(lambda n=n: self._answers(f"{self.node_url(n)}/readyz"), 60, f"web-{n} ready")
            self.start_haproxy()
            self.wait_for(lambda: self._answers(f"{self.url}/readyz"), 30, "HAProxy routing to a ready node")
            for n in range(1, self.layout.workers + 1):
                self._spawn(f"worker-{n}", [sys.executable, "-m", "workers.worker"], node=f"web-{n}")
            self._spawn("scheduler", [sys.executable, "-m", "workers.scheduler"])
            self._spawn("cron", [sys.executable, "-m", "workers.cron"])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Everything this object started, last started first; SIGKILL for what takes over 10 s."""
        for name, proc in reversed(list(self.procs.items())):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            (self.folder / "pids" / f"{name}.pid").unlink(missing_ok=True)
        self.procs.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.layout.http_port}"

    @property
    def sentinels(self) -> str:
        return ",".join(f"127.0.0.1:{p}" for p in self.layout.sentinel_ports)

    def node_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.layout.web_ports[n - 1]}"

    # ---- parts -------------------------------------------------------------------------------

    def start_redis(self) -> None:
        primary, replica = self.layout.redis_ports
        self._redis("redis-primary", primary)
        self._redis("redis-replica", replica, "--replicaof", "127.0.0.1", str(primary))
        for n, port in enumerate(self.layout.sentinel_ports, 1):
            conf = self.folder / f"sentinel-{n}.conf"  # a Sentinel rewrites its file: made anew each start
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n"
                f"sentinel down-after-milliseconds {MASTER} {self.layout.down_after_ms}\n"
                f"sentinel failover-timeout {MASTER} {self.layout.failover_timeout_ms}\n"
                f"sentinel parallel-syncs {MASTER} 1\n")
            self._spawn(f"sentinel-{n}", ["redis-server", str(conf), "--sentinel"], python=False)
        self.wait_for(self._redis_ready, 30, "the replica in sync and three Sentinels agreeing on the primary")

    def primary(self) -> tuple[str, int]:
        """The primary the Sentinels name now."""
        import redis

        client = redis.Redis(port=self.layout.sentinel_ports[0], socket_timeout=1)
        host, port = client.sentinel_get_master_addr_by_name(MASTER)
        return host, int(port)

    def kill_primary(self) -> None:
        """SIGKILL whichever redis-server is the primary now."""
        _, port = self.primary()
        name = "redis-primary" if port == self.layout.redis_ports[0] else "redis-replica"
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(5)

    def prepare_database(self, seed_demo: bool) -> None:
        """The database made if missing, its tables and menu version 1, and (for the demo) the
        demo members: the commands `make run` uses, on PostgreSQL."""
        from sqlalchemy import create_engine, make_url, text

        url = make_url(self.layout.database_url)
        if url.get_backend_name() == "postgresql":
            admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": url.database}).first() is None:
                        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            finally:
                admin.dispose()
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        self._run(flask + ["db", "create"])
        if seed_demo:
            self._run(flask + ["members", "seed-demo"])

    def start_node(self, n: int) -> None:
        port = self.layout.web_ports[n - 1]
        self._spawn(f"web-{n}", [sys.executable, "serve.py"], node=f"web-{n}", env={
            "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port), "WEB_WORKERS": str(self.layout.web_workers),
            "ACCESS_LOG": "off"})

    def stop_node(self, n: int, sig: int = signal.SIGTERM) -> None:
        proc = self.procs[f"web-{n}"]
        proc.send_signal(sig)
        proc.wait(20)

    def start_haproxy(self) -> None:
        conf = self.folder / "haproxy.cfg"
        conf.write_text(haproxy_config(self.layout))
        check = subprocess.run(["haproxy", "-c", "-q", "-f", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused {conf}: {check.stderr}")
        self._spawn("haproxy", ["haproxy", "-db", "-f", str(conf)], python=False)

    # ---- helpers -----------------------------------------------------------------------------

    def process_env(self, node: str = "") -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": self.layout.database_url, "REDIS_URL": "",
               "REDIS_SENTINELS": self.sentinels, "REDIS_SENTINEL_MASTER": MASTER, "LOG_FORMAT": "json",
               **self.env}
        if node:
            env["NODE_NAME"] = node
            metrics = self.folder / "metrics" / node  # prometheus_client writes there from its first import
            metrics.mkdir(parents=True, exist_ok=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        return env

    def _secrets(self) -> dict[str, str]:
        """Made on the first start, kept in cluster.env (0600) for the next ones and for README's curl."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "cluster.env"
        if not path.exists():
            values = {"SECRET_KEY": secrets.token_hex(32), "PIN_PEPPER": secrets.token_hex(16),
                      "USSD_WEBHOOK_TOKEN": secrets.token_urlsafe(24), "METRICS_TOKEN": secrets.token_urlsafe(24),
                      "DCI_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                      "ADMIN_COOKIE_SECURE": "0", "SMS_BACKEND": "outbox"}
            path.touch(mode=0o600)
            path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        found = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        token = self.folder / "metrics.token"  # for Prometheus (deploy/monitoring/prometheus.yml)
        token.touch(mode=0o600)
        token.write_text(found.get("METRICS_TOKEN", ""))
        return found

    def _redis(self, name: str, port: int, *extra: str) -> None:
        self._spawn(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", str(self.folder), *extra], python=False)

    def _redis_ready(self) -> bool:
        import redis

        try:
            info = redis.Redis(port=self.layout.redis_ports[1], socket_timeout=1).info("replication")
            if info.get("master_link_status") != "up":
                return False
            for port in self.layout.sentinel_ports:
                sentinel = redis.Redis(port=port, socket_timeout=1)
                if len(sentinel.sentinel_slaves(MASTER)) != 1 or len(sentinel.sentinel_sentinels(MASTER)) != 2:
                    return False
            return True
        except redis.RedisError:
            return False

    def _spawn(self, name: str, command: list[str], node: str = "", python: bool = True,
               env: Mapping[str, str] | None = None) -> None:
        for sub in ("logs", "pids"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        log = (self.folder / "logs" / f"{name}.log").open("ab")
        proc_env = {**(self.process_env(node or name) if python else os.environ), **(env or {})}
        self.procs[name] = subprocess.Popen(command, cwd=ROOT, env=proc_env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        (self.folder / "pids" / f"{name}.pid").write_text(str(self.procs[name].pid))

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(command, cwd=ROOT, env=self.process_env(), capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[2:])} failed:\n{done.stdout}\n{done.stderr}")

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def wait_for(self, check: Callable[[], bool], seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited; see {self.folder / 'logs'}")
            time.sleep(0.2)
        raise RuntimeError(f"not ready within {seconds:.0f} s: {what} (logs in {self.folder / 'logs'})")


def haproxy_config(layout: Layout) -> str:
    """Round robin over the web nodes, each checked on /readyz every second (out after 2 failures,
    back after 2 successes; when all fail, the same nodes unchecked). A hop that finds its node
    gone (refused, cut, or silent for 3 s) is sent to another node: hops are safe to send twice
    (a replay gets the same screen, runs nothing again), so `retry-on` may include POSTs."""
    servers = "\n".join(f"    server web-{n} 127.0.0.1:{port} check"
                        for n, port in enumerate(layout.web_ports, 1))
    fallbacks = "\n".join(f"    server web-{n}-unchecked 127.0.0.1:{port} backup"
                          for n, port in enumerate(layout.web_ports, 1))
    return f"""# Made by deploy/cluster.py: edit Layout there, not this file.
global
    maxconn 4096
    stats socket {layout.folder}/haproxy.sock mode 600 level admin

defaults
    mode http
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 3s
    timeout http-request 5s
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend ussd
    bind 127.0.0.1:{layout.http_port}
    option forwardfor
    default_backend web

frontend stats
    bind 127.0.0.1:{layout.stats_port}
    http-request use-service prometheus-exporter if {{ path /metrics }}
    stats enable
    stats uri /
    stats refresh 5s

backend web
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    http-response set-header X-Served-By %[srv_name]
    # /readyz fails on every node at once when Redis or the database does: then no node is
    # "ready", yet each still answers members with the polite fault reply (never AT's 503).
    # The same nodes, unchecked, take the traffic then; one that is really gone refuses the
    # connection, and the hop is retried on another.
    option allbackups
{servers}
{fallbacks}
"""


def status(layout: Layout) -> str:
    lines = []
    for pid_file in sorted((layout.folder / "pids").glob("*.pid")):
        pid = int(pid_file.read_text())
        running = alive(pid)
        lines.append(f"{pid_file.stem:14} pid {pid:>7}  {'running' if running else 'gone'}")
    sock = layout.folder / "haproxy.sock"
    if sock.exists():
        import socket

        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            try:
                s.connect(str(sock))
                s.sendall(b"show servers state web\n")
                state = s.recv(65536).decode(errors="replace")
                for row in state.splitlines()[2:]:
                    cols = row.split()
                    if len(cols) > 5:  # srv_name, srv_op_state (2: up)
                        lines.append(f"haproxy: {cols[3]} {'UP' if cols[5] == '2' else 'DOWN'}")
            except OSError as exc:
                lines.append(f"haproxy: no answer on its socket ({exc})")
    return "\n".join(lines) or "nothing is running"


def down(layout: Layout) -> None:
    """Stop what the pid files name (another `up` started it): SIGTERM, then SIGKILL after 10 s."""
    pids = {f.stem: int(f.read_text()) for f in (layout.folder / "pids").glob("*.pid")}
    for pid in pids.values():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for name, pid in pids.items():
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
        (layout.folder / "pids" / f"{name}.pid").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    layout = Layout()
    if args.command == "down":
        down(layout)
        print("cluster stopped")
        return
    if args.command == "status":
        print(status(layout))
        return
    if (layout.folder / "pids").exists() and any(alive(int(f.read_text()))
                                                  for f in (layout.folder / "pids").glob("*.pid")):
        raise SystemExit("the cluster is running already: python -m deploy.cluster down first")
    cluster = Cluster(layout).start()
    print(f"cluster up: HAProxy on {cluster.url} (stats on http://127.0.0.1:{layout.stats_port}/), "
          f"web nodes on {', '.join(str(p) for p in layout.web_ports)}, Redis primary on {layout.redis_ports[0]} "
          f"with Sentinels on {cluster.sentinels}, database {layout.database_url}")
    print(f"secrets: {layout.folder / 'cluster.env'}; logs: {layout.folder / 'logs'}; "
          "stop: make cluster-down")


if __name__ == "__main__":
    main()
