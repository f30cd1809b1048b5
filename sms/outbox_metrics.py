"""The outbox's gauge for /metrics, read at each scrape: how long the oldest SMS that is due
(not held for quiet hours or a retry's wait) has waited to be sent. Alerts page above 10 minutes
(deploy/monitoring/alerts.yml)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, or_, select

from sms.models import SmsMessage, Status
from ussd_app.core.extensions import clients
from ussd_app.core.metrics import age_seconds


def oldest_due() -> Iterator[Metric]:
    now = datetime.now(timezone.utc)
    naive_now = now.replace(tzinfo=None)  # the outbox keeps UTC without a zone
    since = func.coalesce(SmsMessage.not_before, SmsMessage.created_at)
    with clients().sessions() as session:
        oldest = session.execute(
            select(func.min(since)).where(
                SmsMessage.status == Status.QUEUED.value,
                or_(SmsMessage.not_before.is_(None), SmsMessage.not_before <= naive_now))
        ).scalar()
    gauge = GaugeMetricFamily("lsso_sms_oldest_queued_seconds", "Age of the oldest SMS due and not yet sent "
                              "(0: none waiting)")
    gauge.add_metric([], age_seconds(oldest, now))
    yield gauge
