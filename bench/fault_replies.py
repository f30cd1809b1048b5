"""How fast members get the fault reply when PostgreSQL or Redis hangs, under production's server.

Starts production's web server (python serve.py) with its DATABASE_URL and REDIS_URL routed through
freezing TCP proxies on 127.0.0.1 (tests/tcp_proxy.py), then for each backend: freezes it, fires rounds
of 16 and 50 hops at once, thaws it, and reports reply times and how long recovery took.

    export SECRET_KEY=bench PIN_PEPPER=bench USSD_WEBHOOK_TOKEN=bench REDIS_URL=redis://127.0.0.1:6379/14 \\
           DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench   # seeded as README says
    .venv/bin/python bench/fault_replies.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DCI_SIGNING_KEY", "YmVuY2gtb25seS1kY2kta2V5LW5vdC1mb3ItcHJvZCE=")  # benches only
sys.path.insert(0, str(ROOT))

from tests.integration.test_hangs import via  # noqa: E402
from tests.servers import WebServer, at_once, post  # noqa: E402
from tests.tcp_proxy import TcpProxy  # noqa: E402


def hops(server: WebServer, token: str, phone: str, n: int) -> list:  # type: ignore[type-arg]
    tag = uuid.uuid4().hex[:8]
    url = f"{server.url}/ussd/africastalking?token={token}"
    return at_once([lambda i=i: post(url, {"sessionId": f"{tag}-{i}", "serviceCode": "*211#", "phoneNumber": phone,
                                           "networkCode": "41801", "text": ""}) for i in range(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phone", default="+8562055512345", help="a phone linked to a member (default: demo)")
    args = parser.parse_args()
    database_url, redis_url, token = (os.environ.get(k, "") for k in ("DATABASE_URL", "REDIS_URL",
                                                                        "USSD_WEBHOOK_TOKEN"))
    for url in (database_url, redis_url):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            sys.exit("DATABASE_URL and REDIS_URL must point at 127.0.0.1 (see the docstring)")
    print("backend   concurrent  rounds  replies  all fault  p50 s  max s  >=1 s  recovered after s")
    for backend, url, setting in (("database", database_url, "DATABASE_URL"), ("redis", redis_url, "REDIS_URL")):
        with TcpProxy(urlsplit(url).port or 0) as proxy, WebServer({setting: via(url, proxy)}) as server:
            hops(server, token, args.phone, 16)  # warm every process's pools
            proxy.freeze()
            for concurrent in (16, 50):
                times, bodies = [], set()
                for _ in range(args.rounds):
                    replies = hops(server, token, args.phone, concurrent)
                    times += [r.seconds for r in replies]
                    bodies |= {r.body[:4] for r in replies}
                recovered = ""
                if concurrent == 50:  # the last round: thaw, and time how long until all is well
                    proxy.thaw()
                    started = time.perf_counter()
                    while not all(r.body.startswith("CON ") for r in hops(server, token, args.phone, 16)):
                        time.sleep(0.1)
                    recovered = f"{time.perf_counter() - started:.1f}"
                print(f"{backend:9} {concurrent:10}  {args.rounds:6}  {len(times):7}  {str(bodies == {'END '}):9}  "
                      f"{statistics.median(times):5.2f}  {max(times):5.2f}  {sum(t >= 1 for t in times):5}  "
                      f"{recovered}")


if __name__ == "__main__":
    main()
