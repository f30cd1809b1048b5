"""SMS throughput benchmark: queue N reminders, let real RQ workers send them to the AT stub.

Not a test. Needs a real Redis and a database (PostgreSQL for production-like figures):

    export REDIS_URL=redis://127.0.0.1:6379/13 SECRET_KEY=bench PIN_PEPPER=bench \
           DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench
    .venv/bin/python bench/sms_throughput.py --messages 3000 --workers 2

It starts the stub of Africa's Talking on 127.0.0.1 (tests/at_stub.py), writes N reminder
messages to the outbox (each to its own phone, half Lao, half English), queues one job each,
then starts the workers and waits until every message is sent. Prints messages/s and the
queue-to-sent latency (from the outbox row's creation to the provider's acceptance).
The bench clears the outbox first and leaves the sent rows for inspection.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from sms.models import SmsEvent, SmsMessage, Status  # noqa: E402
from sms.service import BATCH, BATCH_JOB  # noqa: E402
from sms.templates import load_templates  # noqa: E402
from tests.at_stub import AtStub  # noqa: E402
from ussd_app.database import create_schema, utcnow  # noqa: E402
from ussd_app.engine.text import Day, Money, Period  # noqa: E402
from ussd_app.extensions import build_engine  # noqa: E402
from ussd_app.job_queue import RQJobQueue  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    redis_url, database_url = os.environ.get("REDIS_URL"), os.environ.get("DATABASE_URL")
    if not redis_url or not database_url:
        raise SystemExit("set REDIS_URL and DATABASE_URL (see the docstring)")
    import redis

    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    engine = build_engine(database_url)
    create_schema(engine)
    stub = AtStub().start()

    with engine.begin() as conn:
        conn.execute(delete(SmsEvent))
        conn.execute(delete(SmsMessage))
        rows = list(_reminder_rows(args.messages))
        conn.execute(insert(SmsMessage), rows)
        ids = conn.execute(select(SmsMessage.id).order_by(SmsMessage.id)).scalars().all()
    queue = RQJobQueue(os.environ.get("SMS_QUEUE", "sms"), connection)
    for start in range(0, len(ids), BATCH):  # as a reminder run queues them
        queue.enqueue(BATCH_JOB, ids[start:start + BATCH])

    env = {**os.environ, "PYTHONPATH": str(ROOT), "AT_USERNAME": "lsso", "AT_API_KEY": stub.api_key,
           "AT_API_BASE_URL": stub.url, "LOG_LEVEL": "WARNING",
           "USSD_WEBHOOK_TOKEN": os.environ.get("USSD_WEBHOOK_TOKEN") or "bench-token"}
    started = time.perf_counter()
    workers = [subprocess.Popen([str(Path(sys.executable).with_name("rq")), "worker", "sms", "--burst",
                                 "--worker-class", "rq.worker.SimpleWorker", "--url", redis_url,
                                 "--logging_level", "WARNING"], cwd=ROOT, env=env)
               for _ in range(args.workers)]
    deadline = started + args.timeout
    try:
        while time.perf_counter() < deadline:
            with engine.connect() as conn:
                sent = conn.execute(select(func.count()).select_from(SmsMessage)
                                    .where(SmsMessage.status == Status.SENT.value)).scalar_one()
            if sent >= args.messages:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:  # burst workers leave by themselves once the queue is empty
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.send_signal(signal.SIGTERM)
                worker.wait(30)
        stub.stop()
    with engine.connect() as conn:
        done = conn.execute(select(SmsMessage.created_at, SmsMessage.sent_at)
                            .where(SmsMessage.status == Status.SENT.value)).all()
    latencies = sorted((sent_at - created).total_seconds() * 1000 for created, sent_at in done)
    sending = (max(s for _, s in done) - min(s for _, s in done)).total_seconds()
    counts = stub.counts()
    result = {
        "messages": args.messages, "workers": args.workers, "sent": len(done), "seconds": round(elapsed, 1),
        # From the first message out to the last: the workers' own start-up (~1 s) is not sending.
        "messages_per_s": round(len(done) / sending), "p50_ms": round(statistics.median(latencies)),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))]),
        "accepted_by_stub": sum(counts.values()), "sent_twice": sum(1 for c in counts.values() if c > 1),
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k:>18}: {v}" for k, v in result.items()))
    sys.exit(0 if len(done) == args.messages and not result["sent_twice"] else 1)


def _reminder_rows(n: int):
    templates = load_templates()
    values = {"period": Period("2026-11"), "due_date": Day(utcnow().date()), "minimum": Money(108_000)}
    bodies = {lang: templates.render("reminder_due", lang, values) for lang in ("lo", "en")}
    now = utcnow()
    for i in range(n):
        lang = "lo" if i % 2 else "en"
        rendered = bodies[lang]
        yield {"idempotency_key": f"bench:{i}", "recipient": f"+856209{i:07d}", "kind": "reminder_due",
               "language": lang, "body": rendered.body, "encoding": rendered.segments.encoding,
               "parts": rendered.segments.parts, "status": Status.QUEUED.value, "attempts": 0, "in_doubt": False,
               "created_at": now, "updated_at": now}


if __name__ == "__main__":
    main()
