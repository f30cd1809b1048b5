"""The demo data set: `seed_demo`, and `python -m ussd_app.members.demo.seed` to regenerate its files.

`python -m ussd_app.members.demo.seed` rewrites data/*.csv and README.md (demo_files, from the
deterministic demo_generator, so the output only changes when those modules do). `seed_demo` imports
the committed CSVs through the normal importer and links the showcase phones with the demo PIN, in
one transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ussd_app.core.database import utcnow
from ussd_app.members.demo.files import DATA_DIR, write
from ussd_app.members.demo.generator import generate
from ussd_app.members.demo.showcase import DEMO_PIN, NOT_A_MEMBER, SHOWCASE
from ussd_app.members.importer import import_contributions, import_members
from ussd_app.members.models import Member
from ussd_app.members.pins import PinHasher

# The CLI and the tests reach the demo set through this module alone.
__all__ = ["DATA_DIR", "DEMO_PIN", "NOT_A_MEMBER", "SHOWCASE", "generate", "seed_demo", "write"]


def seed_demo(session: Session, hasher: PinHasher, today: date | None = None) -> bool:
    """Import the demo set and link the showcase phones, if there are no members yet.

    One transaction; safe when several processes start at once (the loser returns False).
    """
    if _has_members(session):
        return False
    try:
        reports = [
            import_members(session, (DATA_DIR / "members.csv").read_bytes(), today=today, commit=False),
            import_contributions(session, (DATA_DIR / "contributions.csv").read_bytes(), today=today, commit=False),
        ]
        for report in reports:
            if not report.ok:
                first = report.rejected[0]
                raise RuntimeError(f"demo data rejected (line {first.line}: {first.reason}); regenerate it")
        linked = [s.phone for s in SHOWCASE if s.linked]
        now = utcnow()
        for member in session.scalars(select(Member).where(Member.phone.in_(linked))):
            member.linked_at = member.pin_changed_at = now  # as linking a phone over USSD does
            member.pin_hash = hasher.hash(DEMO_PIN)
        session.commit()
    except (IntegrityError, OperationalError):
        session.rollback()
        if _has_members(session):
            return False  # another process seeded first
        raise
    except BaseException:
        session.rollback()
        raise
    return True


def _has_members(session: Session) -> bool:
    return session.scalar(select(Member.id).limit(1)) is not None


if __name__ == "__main__":
    write()
    print(f"wrote {DATA_DIR}")
