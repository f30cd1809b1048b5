"""Import members and contributions from CSV files: parse, check each row, upsert in batches.

Works on a SQLAlchemy `Session` (no Flask). A problem with the file as a whole (not UTF-8, wrong
header) raises `ImportFileError` before anything is written. A bad row is rejected with its CSV
line number (header = line 1) and a one-line reason, and the good rows are still imported.
Re-importing the same file changes nothing. Reasons never echo a phone number, and notes mask it.
The steps live in csv_rows (the file), row_checks (one row) and batch_upserts (the database).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ussd_app.members.batch_upserts import write_contributions, write_members
from ussd_app.members.csv_rows import ImportFileError, read_rows
from ussd_app.members.import_report import ImportReport, Rejection
from ussd_app.members.row_checks import (
    CONTRIBUTION_COLUMNS,
    MEMBER_COLUMNS,
    MEMBER_OPTIONAL_COLUMNS,
    RowError,
    local_today,
    parse_contribution,
    parse_member,
)

# Callers (CLI, demo, tests) import these from here, so the split into modules stays invisible to them.
__all__ = [
    "CONTRIBUTION_COLUMNS", "MEMBER_COLUMNS", "ImportFileError", "ImportReport", "Rejection",
    "import_contributions", "import_members",
]

MEMBER_BATCH = 1_000
CONTRIBUTION_BATCH = 2_000


def import_members(
    session: Session,
    data: bytes,
    *,
    region: str = "LA",
    today: date | None = None,
    batch_size: int = MEMBER_BATCH,
    commit: bool = True,
) -> ImportReport:
    """Upsert members by ssn. Only CSV fields change; PIN/linking fields are kept, except that a
    linked member whose phone changes is unlinked (noted in the report).

    commit=False flushes each batch instead of committing it (the caller commits once).
    """
    today = today or local_today()
    report = ImportReport()
    seen: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, cells in read_rows(data, MEMBER_COLUMNS, MEMBER_OPTIONAL_COLUMNS):
        try:
            if isinstance(cells, str):
                raise RowError(cells)
            values = parse_member(cells, today, region)
            if values["ssn"] in seen:
                raise RowError(f"ssn {values['ssn']} is already on line {seen[values['ssn']]} of this file")
            national_id = values.get("national_id")
            if national_id and national_id in seen_ids:
                raise RowError(f"national_id is already on line {seen_ids[national_id]} of this file")
        except RowError as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        seen[values["ssn"]] = line
        if values.get("national_id"):
            seen_ids[values["national_id"]] = line
        batch.append((line, values))
        if len(batch) >= batch_size:
            write_members(session, batch, report, commit)
            batch = []
    write_members(session, batch, report, commit)
    return report


def import_contributions(
    session: Session,
    data: bytes,
    *,
    today: date | None = None,
    batch_size: int = CONTRIBUTION_BATCH,
    commit: bool = True,
) -> ImportReport:
    """Upsert contributions by (member, period); rows for an unknown ssn are rejected."""
    today = today or local_today()
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, cells in read_rows(data, CONTRIBUTION_COLUMNS):
        try:
            if isinstance(cells, str):
                raise RowError(cells)
            values = parse_contribution(cells, today)
            key = (values["ssn"], values["period"])
            if key in seen:
                raise RowError(f"ssn {key[0]} period {key[1]} is already on line {seen[key]} of this file")
        except RowError as exc:
            report.rejected.append(Rejection(line, str(exc)))
            continue
        seen[key] = line
        batch.append((line, values))
        if len(batch) >= batch_size:
            write_contributions(session, batch, report, commit)
            batch = []
    write_contributions(session, batch, report, commit)
    return report

