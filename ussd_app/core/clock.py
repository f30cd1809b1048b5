"""The clock the engine reads: UTC for storing, Asia/Vientiane for what members see."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, tz: str = "Asia/Vientiane") -> None:
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now(self.tz).date()


class FixedClock:
    """A clock that shows one moment (tests, transcripts, the simulator's "what if")."""

    def __init__(self, moment: datetime, tz: str = "Asia/Vientiane") -> None:
        self.moment = moment
        self.tz = ZoneInfo(tz)

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.astimezone(self.tz).date()
