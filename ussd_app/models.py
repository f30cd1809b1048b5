"""Imports every model module so that `Base.metadata` knows all tables."""

from sms.models import ReminderRun, SmsEvent, SmsMessage, SmsOptOut, SmsPendingReport  # noqa: F401
from ussd_app.admin.models import AdminSession, AdminUser, AuditEntry, ConversationTest  # noqa: F401
from ussd_app.members.models import Contribution, Member  # noqa: F401
from ussd_app.menu_versions import MenuPointer, MenuVersion  # noqa: F401
from ussd_app.usage_stats import UsageDay  # noqa: F401
from ussd_app.ussd_events import UssdSessionEvent  # noqa: F401
