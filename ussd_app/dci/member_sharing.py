"""The engine's Sharing port over the partner API's tables, and the writing of a member's answer:
what a linked member reads and says on USSD about the partners that may see their record."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ussd_app.core.extensions import Unit
from ussd_app.dci.models import Basis, Partner, PartnerConsent, RecordSeen
from ussd_app.engine.ports import Clock, RecordViewer, SharingPartner
from ussd_app.members.models import Member

LOCAL = ZoneInfo("Asia/Vientiane")


def _labels(row: object) -> dict[str, str]:
    name, lo, en = row.name, row.label_lo, row.label_en  # type: ignore[attr-defined]
    return {"lo": lo or en or name, "en": en or name}


class SqlSharing:
    def __init__(self, unit: Unit, clock: Clock) -> None:
        self.unit, self.clock = unit, clock

    def consent_partners(self, ssn: str) -> list[SharingPartner]:
        member = select(Member.id).where(Member.ssn == ssn).scalar_subquery()
        rows = self.unit.reads.execute(
            select(Partner.id, Partner.name, Partner.label_lo, Partner.label_en, PartnerConsent.given)
            .outerjoin(PartnerConsent, and_(PartnerConsent.partner_id == Partner.id,
                                            PartnerConsent.member_id == member))
            .where(Partner.basis == Basis.CONSENT.value, Partner.revoked_at.is_(None)).order_by(Partner.id))
        return [SharingPartner(row.id, _labels(row), row.given) for row in rows]

    def viewers(self, ssn: str, days: int) -> list[RecordViewer]:
        since = self.clock.now() - timedelta(days=days)
        last = func.max(RecordSeen.at).label("last")
        rows = self.unit.reads.execute(
            select(Partner.name, Partner.label_lo, Partner.label_en, last)
            .join(RecordSeen, RecordSeen.partner_id == Partner.id).join(Member, Member.id == RecordSeen.member_id)
            .where(Member.ssn == ssn, RecordSeen.at >= since)
            .group_by(Partner.id, Partner.name, Partner.label_lo, Partner.label_en).order_by(last.desc()))
        tz = getattr(self.clock, "tz", LOCAL)
        return [RecordViewer(_labels(row), _local_date(row.last, tz)) for row in rows]


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC back
    return aware.astimezone(tz).date()


def answer(session: Session, ssn: str, partner_id: int, given: bool, now: datetime) -> None:
    """Keep a member's yes or no to a partner (in the caller's transaction)."""
    member_id = session.execute(select(Member.id).where(Member.ssn == ssn)).scalar()
    if member_id is None:
        return
    found = session.execute(select(PartnerConsent).where(PartnerConsent.partner_id == partner_id,
                                                         PartnerConsent.member_id == member_id)).scalar()
    if found is None:
        session.add(PartnerConsent(partner_id=partner_id, member_id=member_id, given=given, changed_at=now))
    else:
        found.given, found.changed_at = given, now
