"""Imports every model module so that `Base.metadata` knows all tables."""

from sms.models import ReminderRun, SmsEvent, SmsMessage, SmsOptOut, SmsPendingReport  # noqa: F401
from ussd_app.admin.models import AdminSession, AdminUser, AuditEntry, ConversationTest  # noqa: F401
from ussd_app.analytics.session_events import UssdSessionEvent  # noqa: F401
from ussd_app.analytics.usage import UsageDay  # noqa: F401
from ussd_app.members.models import Contribution, Member  # noqa: F401
from ussd_app.publishing.versions import MenuPointer, MenuVersion  # noqa: F401
