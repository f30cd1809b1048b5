"""Side by side with the peer (../shared/bench): the same member journey (dial -> 1 -> 1*PIN) driven
by the same wrk script (peers/journey2.lua, 2 threads, 50 connections) against the
ussd-menu-builder peer and against production's server (python serve.py), in alternating
rounds after a warm-up of each, on the same machine. Prints each round, the medians and our
ratio to the peer, and the CPU each server (and Redis) spent per hop. Not a test.

    export REDIS_URL=redis://127.0.0.1:6379/14 SECRET_KEY=bench PIN_PEPPER=bench USSD_WEBHOOK_TOKEN=bench \\
           DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench
    .venv/bin/python bench/seed_members.py --count 5000      # once
    .venv/bin/python bench/side_by_side.py --rounds 3 --seconds 10

`--sequential` drives both with bench/sequential_journey.js (autocannon) instead: each
connection walks its session one hop after the other, as phones do. journey2.lua sends a walk's
three hops on three connections at once, so they arrive out of order; our server answers a late
older hop with the screen of now, and a hop that comes first with the whole history runs it all
at once, so that script costs us less work per hop than real traffic does.

Needs wrk and Node.js with npm (the peer's packages, and autocannon, are installed into
var/bench-peer once). Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DCI_SIGNING_KEY", "YmVuY2gtb25seS1kY2kta2V5LW5vdC1mb3ItcHJvZCE=")  # benches only
SHARED = ROOT.parent / "shared" / "bench" / "peers"
PEER_DIR = ROOT / "var" / "bench-peer"
PEER_PORT, OUR_PORT = 8101, 8200
PEER_PHONE, PEER_PIN = "+8562055512345", "1234"  # what the peer seeds for itself
OUR_PHONE, OUR_PIN = "+8562090000001", "2580"  # a bench member (bench/seed_members.py)
LINE = re.compile(r"hops/s (\d+) p50_ms ([\d.]+) p99_ms ([\d.]+) non2xx (\d+) sockerr (\d+)")


@dataclass
class Round:
    hops: float
    p50: float
    p99: float
    bad: int
    cpu_ms: float  # the server's CPU per hop
    redis_ms: float  # Redis's CPU per hop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--workers", default=os.environ.get("WEB_WORKERS", "0"))
    parser.add_argument("--threads", default=os.environ.get("WEB_THREADS", "2"))
    parser.add_argument("--sequential", action="store_true", help="sessions hop by hop (autocannon), not journey2.lua")
    args = parser.parse_args()
    for name in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "PIN_PEPPER", "USSD_WEBHOOK_TOKEN"):
        if not os.environ.get(name):
            raise SystemExit(f"set {name} (see the docstring)")
    if not shutil.which("wrk") or not shutil.which("npm"):
        raise SystemExit("needs wrk and npm (apt-get install wrk nodejs npm)")
    servers = [start_peer(), start_ours(args.workers, args.threads)]
    try:
        token = os.environ["USSD_WEBHOOK_TOKEN"]
        targets = {"peer": (f"http://127.0.0.1:{PEER_PORT}/ussd", PEER_PHONE, PEER_PIN, "Paid 124", servers[0]),
                   "ours": (f"http://127.0.0.1:{OUR_PORT}/ussd/africastalking?token={token}", OUR_PHONE, OUR_PIN,
                            "ຈ່າຍແລ້ວ", servers[1])}
        drive = sequential if args.sequential else wrk
        for url, phone, pin, expect, _proc in targets.values():
            drive(url, phone, pin, expect, args.warm_up)  # connections, pools, parsed menus, prepared statements
        results: dict[str, list[Round]] = {"peer": [], "ours": []}
        for n in range(1, args.rounds + 1):
            for name, (url, phone, pin, expect, proc) in targets.items():
                round_ = measured(drive, url, phone, pin, expect, args.seconds, proc)
                results[name].append(round_)
                print(f"round {n} {name}: {round_.hops:,.0f} hops/s, p50 {round_.p50:.1f} ms, p99 {round_.p99:.1f} ms, "
                      f"{round_.cpu_ms:.3f} ms CPU/hop (+ Redis {round_.redis_ms:.3f}), non-2xx/errors {round_.bad}",
                      flush=True)
        report(results)
    finally:
        for proc in servers:
            stop(proc)


def start_peer() -> subprocess.Popen:
    if not (PEER_DIR / "node_modules" / "ussd-menu-builder").exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "init", "-y"], cwd=PEER_DIR, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "ussd-menu-builder", "express", "redis@4",
                        "autocannon"], cwd=PEER_DIR, check=True, stdout=subprocess.DEVNULL)
    shutil.copy(SHARED / "umb_app.js", PEER_DIR / "umb_app.js")
    redis_url = re.sub(r"/\d+$", "/12", os.environ["REDIS_URL"])  # a database of its own
    proc = subprocess.Popen(["node", "umb_app.js"], cwd=PEER_DIR, start_new_session=True,
                            env={**os.environ, "PORT": str(PEER_PORT), "REDIS_URL": redis_url})
    wait_for(f"http://127.0.0.1:{PEER_PORT}/ussd", b"sessionId=probe&phoneNumber=%2B8562055512345&text=")
    return proc


def start_ours(workers: str, threads: str) -> subprocess.Popen:
    env = {**os.environ, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(OUR_PORT), "WEB_WORKERS": workers,
           "WEB_THREADS": threads, "ACCESS_LOG": "off", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "serve.py"], cwd=ROOT, env=env, start_new_session=True)
    wait_for(f"http://127.0.0.1:{OUR_PORT}/healthz")
    return proc


def wait_for(url: str, body: bytes | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def wrk(url: str, phone: str, pin: str, _expect: str, seconds: int, script: Path = SHARED / "journey2.lua") -> str:
    done = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "-s", str(script), url],
                          env={**os.environ, "PHONE": phone, "PIN": pin}, capture_output=True, text=True, check=True)
    return done.stdout


def sequential(url: str, phone: str, pin: str, expect: str, seconds: int) -> str:
    done = subprocess.run(["node", str(ROOT / "bench" / "sequential_journey.js"), url, phone, pin, expect, str(seconds),
                           "50"], env={**os.environ, "NODE_PATH": str(PEER_DIR / "node_modules")},
                          capture_output=True, text=True, check=True)
    if " wrong 0" not in done.stdout:
        raise SystemExit(f"wrong screens: {done.stdout}")
    return done.stdout


def measured(drive, url: str, phone: str, pin: str, expect: str, seconds: int,  # type: ignore[no-untyped-def]
             server: subprocess.Popen) -> Round:
    cpu0, redis0 = group_cpu(server.pid), redis_cpu()
    found = LINE.search(drive(url, phone, pin, expect, seconds))
    cpu1, redis1 = group_cpu(server.pid), redis_cpu()
    assert found, "wrk printed no result line"
    hops_per_s, p50, p99, non2xx, errors = found.groups()
    hops = float(hops_per_s) * seconds
    return Round(float(hops_per_s), float(p50), float(p99), int(non2xx) + int(errors),
                 1000 * (cpu1 - cpu0) / hops, 1000 * (redis1 - redis0) / hops)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every process in the server's process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def redis_cpu() -> float:
    info = subprocess.run(["redis-cli", "-u", os.environ["REDIS_URL"], "info", "cpu"], capture_output=True,
                          text=True).stdout
    return sum(float(v) for k, v in re.findall(r"(used_cpu_(?:user|sys)):([\d.]+)", info))


def report(results: dict[str, list[Round]]) -> None:
    med = {name: Round(*(statistics.median(getattr(r, f) for r in rounds) for f in Round.__dataclass_fields__))
           for name, rounds in results.items()}
    peer, ours = med["peer"], med["ours"]
    print("\n| server | hops/s | p50 | p99 | CPU per hop (server + Redis) |")
    print("| --- | --- | --- | --- | --- |")
    for name, title in (("ours", "LSSO Connect (python serve.py)"), ("peer", "ussd-menu-builder peer")):
        m = med[name]
        print(f"| {title} | {m.hops:,.0f} | {m.p50:.1f} ms | {m.p99:.1f} ms | {m.cpu_ms:.3f} + {m.redis_ms:.3f} ms |")
    print(f"| ratio, ours / peer | {ours.hops / peer.hops:.2f}× | {ours.p50 / peer.p50:.2f}× | "
          f"{ours.p99 / peer.p99:.2f}× | |")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


if __name__ == "__main__":
    main()
