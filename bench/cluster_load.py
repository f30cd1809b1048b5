"""The cluster of deploy/cluster.py under load, through HAProxy: three web nodes against one, in
the same run (HAProxy's admin socket puts web-2 and web-3 in maintenance for the one-node rounds),
alternating, after a warm-up. The shared wrk script (../shared/bench/peers/journey2.lua: dial,
1, 1*PIN; 2 threads, 50 connections) walks the demo pensioner's contributions. Prints each round,
the medians, and what each hop cost: CPU of the web nodes, of Redis (primary) and of PostgreSQL,
Redis commands and database transactions. Not a test.

    .venv/bin/python bench/cluster_load.py --rounds 2 --seconds 10

Needs Debian's haproxy, redis-server and wrk, and the local PostgreSQL (DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench_cluster). Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.side_by_side import LINE, SHARED, group_cpu, wrk  # noqa: E402
from deploy.cluster import Cluster, Layout  # noqa: E402

PHONE, PIN = "+8562055512345", "2580"  # the demo pensioner (flask members seed-demo)
PORTS = dict(http_port=18080, stats_port=18404, web_ports=(18101, 18102, 18103), redis_ports=(16391, 16392),
             sentinel_ports=(36391, 36392, 36393))


@dataclass
class Round:
    hops: float
    p50: float
    p99: float
    bad: int
    web_ms: float  # CPU of every web node's processes, per hop
    redis_ms: float
    pg_ms: float
    redis_cmds: float
    pg_xacts: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=5)
    args = parser.parse_args()
    if not all(shutil.which(c) for c in ("haproxy", "redis-server", "wrk")):
        raise SystemExit("needs haproxy, redis-server and wrk (apt-get install haproxy redis-server wrk)")
    layout = Layout(folder=ROOT / "var" / "bench-cluster", **PORTS,  # type: ignore[arg-type]
                    database_url=os.environ.get("DATABASE_URL",
                                                "postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench_cluster"),
                    extra_env={"LOG_LEVEL": "WARNING", "LOG_FORMAT": "text"})
    cluster = Cluster(layout).start()
    try:
        token = cluster.env["USSD_WEBHOOK_TOKEN"]
        url = f"{cluster.url}/ussd/africastalking?token={token}"
        wrk(url, PHONE, PIN, "", args.warm_up)
        results: dict[int, list[Round]] = {3: [], 1: []}
        for n in range(1, args.rounds + 1):
            for nodes in (3, 1):
                serve_with(cluster, nodes)
                round_ = measured(cluster, url, args.seconds)
                results[nodes].append(round_)
                print(f"round {n}, {nodes} node(s): {round_.hops:,.0f} hops/s, p50 {round_.p50:.1f} ms, "
                      f"p99 {round_.p99:.1f} ms, non-2xx/errors {round_.bad}; per hop: web {round_.web_ms:.2f} ms "
                      f"CPU, Redis {round_.redis_ms:.3f} ms CPU / {round_.redis_cmds:.1f} commands, PostgreSQL "
                      f"{round_.pg_ms:.3f} ms CPU / {round_.pg_xacts:.2f} transactions", flush=True)
        serve_with(cluster, 3)
        report(results)
    finally:
        cluster.stop()


def serve_with(cluster: Cluster, nodes: int) -> None:
    """web-1 .. web-N in rotation, the others in maintenance, through HAProxy's admin socket."""
    for n in range(1, len(cluster.layout.web_ports) + 1):
        admin(cluster, f"{'enable' if n <= nodes else 'disable'} server web/web-{n}")
    time.sleep(1)


def admin(cluster: Cluster, command: str) -> str:
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(cluster.folder / "haproxy.sock"))
        s.sendall(command.encode() + b"\n")
        return s.recv(65536).decode()


def measured(cluster: Cluster, url: str, seconds: int, script: Path = SHARED / "journey2.lua") -> Round:
    web_pids = [cluster.procs[f"web-{n}"].pid for n in range(1, len(cluster.layout.web_ports) + 1)]
    before = (sum(group_cpu(p) for p in web_pids), redis_stats(cluster), pg_stats(cluster))
    out = wrk(url, PHONE, PIN, "", seconds, script)
    found = LINE.search(out)
    after = (sum(group_cpu(p) for p in web_pids), redis_stats(cluster), pg_stats(cluster))
    assert found, f"wrk printed no result line: {out}"
    hops_per_s, p50, p99, non2xx, errors = found.groups()
    hops = float(hops_per_s) * seconds
    return Round(float(hops_per_s), float(p50), float(p99), int(non2xx) + int(errors),
                 web_ms=1000 * (after[0] - before[0]) / hops,
                 redis_ms=1000 * (after[1][0] - before[1][0]) / hops, redis_cmds=(after[1][1] - before[1][1]) / hops,
                 pg_ms=1000 * (after[2][0] - before[2][0]) / hops, pg_xacts=(after[2][1] - before[2][1]) / hops)


def redis_stats(cluster: Cluster) -> tuple[float, int]:
    """(CPU seconds, commands processed) of the primary."""
    _, port = cluster.primary()
    info = subprocess.run(["redis-cli", "-p", str(port), "info", "all"], capture_output=True, text=True).stdout
    cpu = sum(float(v) for v in re.findall(r"used_cpu_(?:user|sys):([\d.]+)", info))
    return cpu, int(re.search(r"total_commands_processed:(\d+)", info)[1])  # type: ignore[index]


def pg_stats(cluster: Cluster) -> tuple[float, int]:
    """(CPU seconds of every PostgreSQL process, transactions of the cluster's database)."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(cluster.layout.database_url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            xacts = conn.execute(text("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                                      "WHERE datname = current_database()")).scalar_one()
    finally:
        engine.dispose()
    cpu = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.parent.joinpath("comm").read_text().strip() != "postgres":
                continue
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu += (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    return cpu, int(xacts)


def report(results: dict[int, list[Round]]) -> None:
    med = {n: Round(*(statistics.median(getattr(r, f.name) for r in rounds) for f in fields(Round)))
           for n, rounds in results.items()}
    print("\n| web nodes behind HAProxy | hops/s | p50 | p99 | non-2xx | CPU per hop: web / Redis / PostgreSQL | "
          "Redis commands / DB transactions per hop |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in (3, 1):
        m = med[n]
        print(f"| {n} | {m.hops:,.0f} | {m.p50:.1f} ms | {m.p99:.1f} ms | {m.bad:.0f} | {m.web_ms:.2f} / "
              f"{m.redis_ms:.3f} / {m.pg_ms:.3f} ms | {m.redis_cmds:.1f} / {m.pg_xacts:.2f} |")
    print(f"| ratio, 3 / 1 | {med[3].hops / med[1].hops:.2f}× | | {med[3].p99 / med[1].p99:.2f}× | | | |")


if __name__ == "__main__":
    main()
