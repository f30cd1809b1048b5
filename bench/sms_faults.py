"""README's SMS fault table: runs the fault tests (tests/integration/sms/test_sms_faults.py:
real RQ workers killed at three points of a batch, STOP while reminders wait, an early retry
job, two reports for one phone) ROUNDS times each on PostgreSQL, and sums what each run
counted: messages queued, received by the AT stub, received twice, never received. Not a test.

    export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sms_faults.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = "tests/integration/sms/test_sms_faults.py"
COLUMNS = ("queued", "received", "duplicated", "lost", "unexpected")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="runs of each kill scenario")
    args = parser.parse_args()
    if not os.environ.get("TEST_DATABASE_URL"):
        raise SystemExit("set TEST_DATABASE_URL: the kill points need PostgreSQL's row locks")
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as log:
        env = {**os.environ, "SMS_FAULT_TALLY": log.name, "SMS_FAULT_ROUNDS": str(args.rounds)}
        passed = subprocess.run([sys.executable, "-m", "pytest", TESTS, "-q"], cwd=ROOT,
                                env=env).returncode == 0
        rows = [json.loads(line) for line in log if line.strip()]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        scenario = totals[row["scenario"]]
        scenario["runs"] += 1
        for column in COLUMNS:
            scenario[column] += row[column]
    print("\n| scenario | runs | " + " | ".join(COLUMNS) + " |")
    print("| --- | --- |" + " --- |" * len(COLUMNS))
    for name, counts in totals.items():
        title = name.removeprefix("test_").replace("_", " ")
        print(f"| {title} | {counts['runs']} | " + " | ".join(str(counts[c]) for c in COLUMNS) + " |")
    print(f"\nall tests passed: {'yes' if passed else 'NO'}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
