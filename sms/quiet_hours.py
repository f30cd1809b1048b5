"""Quiet hours: reminders go out only between, say, 08:00 and 20:00 Asia/Vientiane."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time  # first allowed local time
    end: time  # first forbidden local time
    tz: ZoneInfo

    @classmethod
    def parse(cls, window: str, tz: str) -> QuietHours:
        """'08:00-20:00' -> the allowed window."""
        try:
            first, last = (time.fromisoformat(part.strip()) for part in window.split("-"))
        except ValueError:
            raise ValueError(f"QUIET_HOURS must look like 08:00-20:00, not {window!r}") from None
        if first >= last:
            raise ValueError(f"QUIET_HOURS {window!r}: the start must come before the end")
        return cls(first, last, ZoneInfo(tz))

    def allows(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(self.tz).time() < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself if allowed, else the next opening (returned in UTC)."""
        if self.allows(moment):
            return moment
        local = moment.astimezone(self.tz)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        return datetime.combine(day, self.start, self.tz).astimezone(timezone.utc)
