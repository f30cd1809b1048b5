"""Seed the database named by DATABASE_URL with N linked bench members (PIN 2580), so that the
load benchmark spreads its sessions over many members as real traffic does.

    DATABASE_URL=postgresql+psycopg://… SECRET_KEY=… PIN_PEPPER=… \
        .venv/bin/python bench/seed_members.py --count 5000

Phones are +856 20 9xxx xxxx (bench_phone(i)); SSNs 9000000000 + i; 24–120 months paid each.
Idempotent: members that exist are left alone.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DCI_SIGNING_KEY", "YmVuY2gtb25seS1kY2kta2V5LW5vdC1mb3ItcHJvZCE=")  # benches only

from sqlalchemy import func, select  # noqa: E402

from ussd_app import create_app  # noqa: E402
from ussd_app.core.database import create_schema  # noqa: E402
from ussd_app.core.extensions import clients, use_job_limits  # noqa: E402
from ussd_app.members.models import Contribution, Member  # noqa: E402
from ussd_app.ussd.runtime import runtime_of  # noqa: E402

PIN = "2580"


def bench_phone(i: int) -> str:
    return f"+856209{i:07d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    app = create_app()
    use_job_limits(app)  # batch work: the web's 400 ms statement bound is not for it
    engine = clients(app).engine
    create_schema(engine)
    rng = random.Random(7)
    pin_hash = runtime_of(app).pins.hash(PIN)  # one hash for all: the bench measures, it secures nothing
    now = datetime.now(timezone.utc)
    with clients(app).sessions() as session:
        have = session.execute(select(func.count()).select_from(Member).where(Member.ssn.like("9%"))).scalar_one()
        for i in range(have, args.count):
            member = Member(ssn=str(9_000_000_000 + i), full_name=f"Bench {i}", phone=bench_phone(i),
                            date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), sex="MF"[i % 2],
                            scheme=("enterprise", "public", "voluntary")[i % 3], status="active",
                            registered_on=date(2015, 1, 1), language="lo", linked_at=now, pin_hash=pin_hash)
            months = rng.randint(24, 120)
            for m in range(months):
                year, month = divmod(2026 * 12 + 9 - m, 12)
                member.contributions.append(Contribution(
                    period=f"{year}-{month + 1:02d}", insured_wage_lak=3_000_000, employee_lak=165_000,
                    employer_lak=180_000, paid_on=None))
            session.add(member)
            if i % 500 == 499:
                session.commit()
                print(f"{i + 1} members", flush=True)
        session.commit()
    print(f"{args.count} bench members ready (PIN {PIN})")


if __name__ == "__main__":
    main()
