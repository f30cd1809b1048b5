"""SMS end to end, as an operator runs it: `flask sms send-reminders` decides and queues the day's
reminders, two `rq worker` processes and the scheduler (deploy/systemd) send them to the AT
stub on 127.0.0.1 through the real SDK. Not a test.

    export REDIS_URL=redis://127.0.0.1:6379/13 SECRET_KEY=bench PIN_PEPPER=bench USSD_WEBHOOK_TOKEN=bench \\
           DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lsso_bench
    .venv/bin/python bench/seed_members.py --count 5000     # a third of them voluntary: 1,667 reminders
    .venv/bin/python bench/sms_end_to_end.py --workers 2

It clears the outbox and the reminder runs first, runs the reminders for 2026-12-12 (the bench
members have not paid 11/2026), waits until every reminder is sent, and prints messages/s
(first message out to last), the whole run (from the command's start to the last message out),
the queue-to-sent latency of each message (outbox row to AT's acceptance) and duplicates.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("DCI_SIGNING_KEY", "YmVuY2gtb25seS1kY2kta2V5LW5vdC1mb3ItcHJvZCE=")  # benches only
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, func, select  # noqa: E402

from sms.models import REMINDERS, ReminderRun, SmsEvent, SmsMessage, Status  # noqa: E402
from tests.at_stub import AtStub  # noqa: E402
from tests.rq_workers import Workers  # noqa: E402
from ussd_app.core.db_limits import DbLimits  # noqa: E402
from ussd_app.core.extensions import build_engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--date", default="2026-12-12", help="the day the reminders are run for")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        raise SystemExit("set REDIS_URL and DATABASE_URL (see the docstring)")
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    engine = build_engine(os.environ["DATABASE_URL"], DbLimits(statement_ms=60_000))
    with engine.begin() as conn:
        for table in (SmsEvent, SmsMessage, ReminderRun):
            conn.execute(delete(table))
    stub = AtStub().start()
    env = {"SMS_BACKEND": "africastalking",
           "AT_USERNAME": "lsso", "AT_API_KEY": stub.api_key, "AT_API_BASE_URL": stub.url, "LOG_LEVEL": "WARNING",
           "QUIET_HOURS": "00:00-23:59",  # the bench runs at any hour
           "USSD_WEBHOOK_TOKEN": os.environ.get("USSD_WEBHOOK_TOKEN") or "bench"}
    pool = Workers(env)
    pool.start_scheduler()
    for _ in range(args.workers):
        pool.start()
    time.sleep(2)  # the workers' own start-up is not the run's
    try:
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "sms", "send-reminders",
                        "--date", args.date], cwd=ROOT, env=pool.env, check=True, stdout=subprocess.DEVNULL)
        reminders = SmsMessage.kind.in_([k.value for k in REMINDERS])
        with engine.connect() as conn:
            queued = conn.execute(select(func.count()).select_from(SmsMessage).where(reminders)).scalar_one()
        deadline = started + args.timeout
        while time.perf_counter() < deadline:
            with engine.connect() as conn:
                sent = conn.execute(select(func.count()).select_from(SmsMessage)
                                    .where(reminders, SmsMessage.status == Status.SENT.value)).scalar_one()
            if sent >= queued:
                break
            time.sleep(0.2)
        whole = time.perf_counter() - started
    finally:
        pool.stop()
        stub.stop()
    with engine.connect() as conn:
        done = conn.execute(select(SmsMessage.created_at, SmsMessage.sent_at)
                            .where(reminders, SmsMessage.status == Status.SENT.value)).all()
    latencies = sorted((sent_at - created).total_seconds() for created, sent_at in done)
    sending = (max(s for _, s in done) - min(s for _, s in done)).total_seconds()
    counts = stub.counts()
    result = {
        "reminders_queued": queued, "sent": len(done), "workers": args.workers,
        "run_seconds": round(whole, 1), "messages_per_s": round(len(done) / sending),
        "queue_to_sent_p50_s": round(statistics.median(latencies), 2),
        "queue_to_sent_p99_s": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "accepted_by_stub": sum(counts.values()), "sent_twice": sum(1 for c in counts.values() if c > 1),
    }
    print(json.dumps(result) if args.json else "\n".join(f"{k:>20}: {v}" for k, v in result.items()))
    sys.exit(0 if len(done) == queued and not result["sent_twice"] else 1)


if __name__ == "__main__":
    main()
