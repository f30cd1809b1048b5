"""The partner API under load: DCI sync search by SSN from 20 partners at once, against
production's server (python serve.py) on PostgreSQL and Redis. Not a test.

Registers PARTNERS partners (purpose verify-enrolment, or coordinate-benefits with --full: the
record then carries eligibility and contributions, computed per request), gets each a token,
then wrk (bench/dci_search.lua) runs one connection per partner, each sending searches for
random bench members, for a few rounds. Prints each round's req/s, p50, p99 and max, and the
share of answers that found their member. Only 127.0.0.1 is ever targeted.

    export REDIS_URL=redis://127.0.0.1:6379/14 SECRET_KEY=bench PIN_PEPPER=bench USSD_WEBHOOK_TOKEN=bench \\
           DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench
    .venv/bin/python bench/seed_members.py --count 5000      # once
    .venv/bin/python bench/dci_search.py --rounds 3 --seconds 10 [--full]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DCI_SIGNING_KEY", "YmVuY2gtb25seS1kY2kta2V5LW5vdC1mb3ItcHJvZCE=")  # benches only
sys.path.insert(0, str(ROOT))

from tests.servers import WebServer  # noqa: E402
from ussd_app import create_app  # noqa: E402
from ussd_app.core.database import create_schema  # noqa: E402
from ussd_app.core.extensions import clients  # noqa: E402

# The partners' own limit is policy, not capacity: lifted here so the bench measures the server.
RATE = "1000000/minute"


def register(count: int, full: bool) -> list[tuple[str, str, str]]:
    """(name, client_id, secret) of `count` bench partners made now."""
    app = create_app()
    create_schema(clients(app).engine)
    runner, tag, made = app.test_cli_runner(), uuid.uuid4().hex[:6], []
    extra = ["--scope", "lsso.eligibility.read", "--scope", "lsso.contributions.read", "--purpose",
             "coordinate-benefits"] if full else []
    for i in range(count):
        name = f"bench-{tag}-{i}.example"
        out = runner.invoke(args=["partners", "add", name, "--scope", "registry.search", *extra, "--purpose",
                                  "verify-enrolment"]).output
        values = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("client_"))
        made.append((name, values["client_id"], values["client_secret"]))
    clients(app).dispose()
    return made


def token(base: str, client_id: str, secret: str) -> str:
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                   "client_secret": secret}).encode()
    with urllib.request.urlopen(f"{base}/dci/oauth2/client/token", form, timeout=10) as reply:
        return str(json.load(reply)["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--members", type=int, default=5000, help="bench members seeded (bench/seed_members.py)")
    parser.add_argument("--full", action="store_true", help="records with eligibility and contributions")
    parser.add_argument("--workers", type=int, default=3, help="web server processes (production: cores + 1)")
    parser.add_argument("--threads", type=int, default=2, help="threads per web process (WEB_THREADS)")
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if urllib.parse.urlsplit(os.environ.get(name, "")).hostname not in ("127.0.0.1", "localhost"):
            sys.exit(f"{name} must point at 127.0.0.1 (see the docstring)")
    partners = register(args.partners, args.full)
    server_env = {"DCI_RATE_LIMIT": RATE}
    with WebServer(server_env, workers=args.workers, threads=args.threads) as server, \
            tempfile.NamedTemporaryFile("w", suffix=".txt") as file:
        for name, client_id, secret in partners:
            file.write(f"{name} {token(server.url, client_id, secret)}\n")
        file.flush()
        env = {**os.environ, "PARTNERS_FILE": file.name, "COUNT": str(args.members)}
        command = ["wrk", f"-t{args.partners}", f"-c{args.partners}", "--latency", "-s",
                   str(ROOT / "bench" / "dci_search.lua"), f"{server.url}/dci/registry/sync/search"]
        subprocess.run([*command[:1], "-d3s", *command[1:]], env={**env, "RUN": "1"}, capture_output=True,
                       check=True)  # warm-up
        rows = []
        print(f"{args.partners} partners, {'full records' if args.full else 'identity and enrolment'}, "
              f"{args.workers} web processes x {args.threads} threads")
        for i in range(args.rounds):
            out = subprocess.run([*command[:1], f"-d{args.seconds}s", *command[1:]], env={**env, "RUN": str(i + 2)},
                                 capture_output=True, text=True, check=True).stdout
            line = next(x for x in out.splitlines() if x.startswith("req/s"))
            values = dict(zip(line.split()[::2], map(float, line.split()[1::2]), strict=True))
            rows.append(values)
            print(f"round {i + 1}: {line}")
        print("median: " + "  ".join(f"{k} {statistics.median(r[k] for r in rows):.2f}" for k in rows[0]))


if __name__ == "__main__":
    main()
