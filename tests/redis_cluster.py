"""Redis as production may run it, on this machine: a primary, a replica and three Sentinels, each
a `redis-server` process of its own on a free loopback port, in a folder of the test's. The Redis
part of deploy/cluster.py's cluster, alone: every process is ended at the end, and a test may
SIGKILL the primary to see a failover."""

from __future__ import annotations

from pathlib import Path

from deploy.cluster import Cluster, Layout
from tests.servers import free_port


class RedisCluster(Cluster):
    def __init__(self, folder: Path) -> None:
        super().__init__(Layout(folder=folder, redis_ports=(free_port(), free_port()),
                                sentinel_ports=(free_port(), free_port(), free_port())))

    def start(self, seed_demo: bool = False) -> RedisCluster:
        try:
            self.start_redis()
        except BaseException:
            self.stop()
            raise
        return self
