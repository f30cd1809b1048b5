"""The one clock of the app: UTC for storing, Asia/Vientiane for what members see.

create_app builds one and hands it to everything that reads the time (the engine, sessions,
guards, SMS, analytics: the engine's `Clock` port); tests give it a FixedClock and move it instead of sleeping."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, tz: str = "Asia/Vientiane") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.tz).date()


class FixedClock:
    """A clock that shows one moment until told otherwise (tests, transcripts, the simulator)."""

    def __init__(self, moment: datetime, tz: str = "Asia/Vientiane") -> None:
        self.moment = moment
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.astimezone(self.tz).date()

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta
