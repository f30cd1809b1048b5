"""Handlers that menu `action` nodes call. Importing this package registers them all."""

from ussd_app.actions import contributions, eligibility, identity, language, schemes, sms_requests  # noqa: F401
