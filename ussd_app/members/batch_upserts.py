"""Write one batch of checked rows: members upserted by ssn, contributions by (member, period).

Only rows whose values differ are updated, so re-importing the same file changes nothing.
commit=False flushes the batch instead of committing it (the caller commits once).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from ussd_app.events import bus
from ussd_app.events.models import EventKind
from ussd_app.members.import_report import ImportReport, Rejection
from ussd_app.members.models import Contribution, Member
from ussd_app.text.phones import mask

CONTRIBUTION_FIELDS = ("period", "insured_wage_lak", "employee_lak", "employer_lak", "paid_on")

_MEMBERS = Member.__table__  # new rows go in through Core executemany: no ORM object per row
_CONTRIBUTIONS = Contribution.__table__


def write_members(session: Session, batch: list[tuple[int, dict[str, Any]]], report: ImportReport,
                  commit: bool) -> None:
    """Insert new members, update changed ones; a linked member whose phone changes is unlinked."""
    if not batch:
        return
    ssns = [values["ssn"] for _, values in batch]
    existing = {m.ssn: m for m in session.scalars(select(Member).where(Member.ssn.in_(ssns)))}
    national_ids = [values["national_id"] for _, values in batch if values.get("national_id")]
    holders: dict[str | None, str] = {}
    if national_ids:
        rows = session.execute(select(Member.national_id, Member.ssn).where(Member.national_id.in_(national_ids)))
        holders = {national_id: ssn for national_id, ssn in rows}
    inserts = []
    status_changes: list[tuple[int | None, dict[str, Any]]] = []
    for line, values in batch:
        holder = holders.get(values.get("national_id") or "")
        if holder is not None and holder != values["ssn"]:
            report.rejected.append(Rejection(line, f"national_id already belongs to ssn {holder}"))
            continue
        member = existing.get(values["ssn"])
        if member is None:
            inserts.append(values)
            continue
        changed = {k: v for k, v in values.items() if getattr(member, k) != v}
        if not changed:
            report.unchanged += 1
            continue
        if "phone" in changed and member.linked_at is not None:
            member.linked_at = None
            member.pin_hash = None
            now = f"changed to {mask(values['phone'])}" if values["phone"] else "removed"
            report.notes.append(
                f"line {line}: ssn {member.ssn}: linked phone {mask(member.phone)} {now}; the member is "
                "now unlinked and the PIN cleared (they must link the phone on file again)"
            )
        if "status" in changed:
            status_changes.append((member.id, {"from": member.status, "to": changed["status"]}))
        for key, value in changed.items():
            setattr(member, key, value)
        report.updated += 1
    if inserts:
        session.execute(insert(_MEMBERS), inserts)
        report.inserted += len(inserts)
        new_ids = session.execute(select(Member.id, Member.scheme)
                                  .where(Member.ssn.in_([values["ssn"] for values in inserts])))
        bus.emit_many(session, EventKind.REGISTERED, [(member_id, {"scheme": scheme}) for member_id, scheme in new_ids])
    bus.emit_many(session, EventKind.STATUS_CHANGED, status_changes)
    _end_batch(session, commit)


def write_contributions(session: Session, batch: list[tuple[int, dict[str, Any]]], report: ImportReport,
                        commit: bool) -> None:
    """Upsert by (member, period); a row whose ssn is no member is rejected here, where that is known."""
    if not batch:
        return
    ssns = {values["ssn"] for _, values in batch}
    found = session.execute(select(Member.ssn, Member.id).where(Member.ssn.in_(ssns)))
    member_ids = {ssn: member_id for ssn, member_id in found}
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for line, values in batch:
        member_id = member_ids.get(values["ssn"])
        if member_id is None:
            report.rejected.append(Rejection(line, f"no member with ssn {values['ssn']} (import the members first)"))
            continue
        del values["ssn"]
        values["member_id"] = member_id
        rows[(member_id, values["period"])] = values
    existing = _existing_contributions(session, list(rows))
    inserts, updates = [], []
    for key, row in rows.items():
        if key not in existing:
            inserts.append(row)
            continue
        row_id, old = existing[key]
        if old == tuple(row[f] for f in CONTRIBUTION_FIELDS):
            report.unchanged += 1
        else:
            updates.append({"_id": row_id, **{f: row[f] for f in CONTRIBUTION_FIELDS}})
    if inserts:
        session.execute(insert(_CONTRIBUTIONS), inserts)
    if updates:
        session.execute(update(_CONTRIBUTIONS).where(_CONTRIBUTIONS.c.id == bindparam("_id")), updates)
    report.inserted += len(inserts)
    report.updated += len(updates)
    _end_batch(session, commit)


def _existing_contributions(session: Session, keys: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, tuple]]:
    """(member_id, period) -> (id, values in CONTRIBUTION_FIELDS order) for (at least) the keys that exist."""
    if not keys:
        return {}
    c = _CONTRIBUTIONS.c
    query = select(c.id, c.member_id, *(c[f] for f in CONTRIBUTION_FIELDS))
    member_ids = sorted({m for m, _ in keys})
    periods = sorted({p for _, p in keys})
    if len(member_ids) * len(periods) <= 4 * len(keys):
        # Files sorted by member or by period (the usual) keep this product small: two plain INs,
        # much cheaper to compile than a tuple IN (the few extra rows it may return do no harm).
        query = query.where(c.member_id.in_(member_ids), c.period.in_(periods))
    else:
        query = query.where(tuple_(c.member_id, c.period).in_(keys))
    return {(member_id, values[0]): (row_id, tuple(values)) for row_id, member_id, *values in session.execute(query)}


def _end_batch(session: Session, commit: bool) -> None:
    if commit:
        session.commit()
    else:
        session.flush()
