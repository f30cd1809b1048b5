"""USSD load benchmark: many concurrent sessions doing dial -> 1 -> PIN against a running server.

Not a test. Start a production-style server first (see README, Performance), then:

    .venv/bin/python bench/ussd_load.py --url http://127.0.0.1:8000/ussd/africastalking \
        --concurrency 50 --duration 20

Each of the `--concurrency` connections runs sessions back to back over HTTP/1.1 keep-alive
(reconnecting when the server closes), so the load generator stays light: plain asyncio
streams, no HTTP library. Prints hops/s and p50/p90/p99 latency, and counts any reply that is
not the expected screen as an error. Only 127.0.0.1 / localhost targets are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

LINKED_PHONES = ("+8562055512345", "+8562055523456", "+8562055567890")  # demo members
DEMO_PIN = "2580"


def bench_phone(i: int) -> str:  # the members bench/seed_members.py creates
    return f"+856209{i:07d}"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sessions: int = 0
    first_error: str = ""


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, str]:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(path, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str, body: bytes) -> tuple[int, str]:
        assert self.reader and self.writer
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: keep-alive\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        text = (await self.reader.readexactly(length)).decode()
        if close:
            await self.close()
        return status, text

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except ConnectionError:
                pass
        self.reader = self.writer = None


async def run_sessions(conn: Connection, path: str, token: str, deadline: float, stats: Stats, worker: int,
                       phones: list[str]) -> None:
    i = 0
    rng = random.Random(worker)
    while time.perf_counter() < deadline:
        session_id = f"bench-{worker}-{i}-{uuid.uuid4().hex[:8]}"
        phone = rng.choice(phones)
        i += 1
        # dial -> 1 (my contributions) -> PIN: the member sees their contributions.
        for text, expect in (("", "CON "), ("1", "CON "), (f"1*{DEMO_PIN}", "CON ")):
            body = urlencode({"sessionId": session_id, "serviceCode": "*211#", "phoneNumber": phone,
                              "networkCode": "41801", "text": text}).encode()
            started = time.perf_counter()
            try:
                status, reply = await conn.post(path, body, token)
            except (OSError, asyncio.IncompleteReadError) as exc:
                stats.errors += 1
                stats.first_error = stats.first_error or repr(exc)
                await asyncio.sleep(0.05)
                break
            stats.latencies.append(time.perf_counter() - started)
            if status != 200 or not reply.startswith(expect):
                stats.errors += 1
                stats.first_error = stats.first_error or f"HTTP {status}: {reply[:80]!r}"
                break
        else:
            stats.sessions += 1


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def main_async(args: argparse.Namespace) -> dict:
    url = urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("refusing to load anything but 127.0.0.1 / localhost")
    path = url.path + (f"?token={args.token}" if args.token else "")
    phones = [bench_phone(i) for i in range(args.members)] if args.members else list(LINKED_PHONES)
    stats = Stats()
    conns = [Connection(url.hostname, url.port or 80) for _ in range(args.concurrency)]
    # Warm-up: one session per connection, not counted.
    warm = Stats()
    await asyncio.gather(*(run_sessions(c, path, args.token, time.perf_counter() + 0.5, warm, n, phones)
                           for n, c in enumerate(conns)))
    started = time.perf_counter()
    deadline = started + args.duration
    await asyncio.gather(*(run_sessions(c, path, args.token, deadline, stats, n, phones) for n, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    for c in conns:
        await c.close()
    if not stats.latencies:
        raise SystemExit(f"no successful hop; first error: {stats.first_error}")
    ms = [x * 1000 for x in stats.latencies]
    return {
        "concurrency": args.concurrency,
        "members": len(phones),
        "duration_s": round(elapsed, 1),
        "hops": len(ms),
        "sessions": stats.sessions,
        "hops_per_s": round(len(ms) / elapsed),
        "p50_ms": round(statistics.median(ms), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "errors": stats.errors,
        "first_error": stats.first_error,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000/ussd/africastalking")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load (bounded)")
    parser.add_argument("--members", type=int, default=0,
                        help="spread sessions over this many bench members (bench/seed_members.py); 0 = demo")
    parser.add_argument("--token", default="", help="USSD_WEBHOOK_TOKEN of the server, if set")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    args.duration = min(args.duration, 600.0)
    result = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>12}: {value}")
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
