"""Redis as production may run it, on this machine: a primary, a replica and three Sentinels, each
a `redis-server` process of its own on a free loopback port, in a folder of the test's. Every
process is ended at the end, and a test may SIGKILL the primary to see a failover."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis

from tests.servers import free_port

MASTER = "lsso"


class RedisCluster:
    def __init__(self, folder: Path, down_after_ms: int = 1000, failover_timeout_ms: int = 4000) -> None:
        self.folder = folder
        self.down_after_ms, self.failover_timeout_ms = down_after_ms, failover_timeout_ms
        self.primary_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.procs: dict[int, subprocess.Popen] = {}

    @property
    def sentinels(self) -> str:
        """REDIS_SENTINELS for the app."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> RedisCluster:
        self._redis(self.primary_port)
        self._redis(self.replica_port, "--replicaof", "127.0.0.1", str(self.primary_port))
        for port in self.sentinel_ports:
            conf = self.folder / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER} {self.down_after_ms}\n"
                f"sentinel failover-timeout {MASTER} {self.failover_timeout_ms}\n"
                f"sentinel parallel-syncs {MASTER} 1\n")
            self._spawn(port, ["redis-server", str(conf), "--sentinel"])
        self._wait(self._ready, 30, "the replica in sync and three Sentinels agreeing on the primary")
        return self

    def primary(self) -> tuple[str, int]:
        """The primary the Sentinels name now."""
        client = redis.Redis(port=self.sentinel_ports[0], socket_timeout=1)
        host, port = client.sentinel_get_master_addr_by_name(MASTER)
        return host, int(port)

    def kill_primary(self) -> None:
        proc = self.procs[self.primary_port]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def _redis(self, port: int, *extra: str) -> None:
        self._spawn(port, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no", "--dir", str(self.folder), *extra])

    def _spawn(self, port: int, command: list[str]) -> None:
        log = (self.folder / f"redis-{port}.log").open("wb")
        self.procs[port] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def _ready(self) -> bool:
        try:
            info = redis.Redis(port=self.replica_port, socket_timeout=1).info("replication")
            if info.get("master_link_status") != "up":
                return False
            for port in self.sentinel_ports:
                sentinel = redis.Redis(port=port, socket_timeout=1)
                if len(sentinel.sentinel_slaves(MASTER)) != 1 or len(sentinel.sentinel_sentinels(MASTER)) != 2:
                    return False
            return True
        except redis.RedisError:
            return False

    @staticmethod
    def _wait(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(f"not ready within {seconds} s: {what}")
