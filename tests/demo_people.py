"""The demo data set's showcase people (ussd_app/members/demo/data/README.md) and the moment the
tests look at them from: one place for every test module."""

from datetime import datetime, timezone

# The demo contribution histories run to 2026-10; tests look at them from a fixed moment.
FROZEN_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)  # 10:00 in Vientiane

PIN = "2580"  # every linked showcase member's PIN
PENSIONER = "+8562055512345"  # linked, lo, enterprise, 192 months, born 1964
PENSIONER_SSN = "1001234567"
BEHIND = "+8562055523456"  # linked, lo, voluntary, last paid 2026-06
BEHIND_SSN = "3002345678"
TO_LINK_LO = ("+8562055534567", "1003456789", "03111992")  # not linked, lo: phone, SSN, born DDMMYYYY
TO_LINK_EN = ("+8562055545678", "2004567890", "30051979")  # not linked, civil servant
NO_CONTRIB = "+8562055556789"  # linked, en, no contributions
ALMOST = "+8562055567890"  # linked, en, voluntary, 179 months, born 1970
STRANGER = "+8562099990000"  # not in the data set


def later(app, minutes: int = 6) -> None:  # type: ignore[no-untyped-def]
    """The member dials again later: past the window in which a session that stopped mid-way is
    offered to continue (USSD_RESUME_MINUTES, 5), so the next dial starts at the top."""
    from datetime import timedelta

    from ussd_app.ussd.runtime import runtime_of

    runtime_of(app).clock.advance(timedelta(minutes=minutes))
