"""Failure counters in Redis, outside any session: a new session does not reset them."""

from __future__ import annotations

import redis

from ussd_app import keys


class RedisCounters:
    def __init__(self, client: redis.Redis, pin_window_seconds: int, link_window_seconds: int) -> None:
        self.redis = client
        self.pin_window = pin_window_seconds
        self.link_window = link_window_seconds

    # --- reads (the engine's Counters port) ---
    def pin_failures(self, member: str) -> int:
        return int(self.redis.get(keys.PIN_FAILURES.format(member=member)) or 0)

    def link_failures(self, phone: str) -> int:
        return int(self.redis.get(keys.LINK_FAILURES.format(phone=phone)) or 0)

    # --- writes ---
    def add_pin_failure(self, member: str) -> int:
        return self._incr(keys.PIN_FAILURES.format(member=member), self.pin_window)

    def reset_pin_failures(self, member: str) -> None:
        self.redis.delete(keys.PIN_FAILURES.format(member=member))

    def add_link_failure(self, phone: str) -> int:
        return self._incr(keys.LINK_FAILURES.format(phone=phone), self.link_window)

    def reset_link_failures(self, phone: str) -> None:
        self.redis.delete(keys.LINK_FAILURES.format(phone=phone))

    def _incr(self, key: str, window: int) -> int:
        # The window starts at the first failure; later failures do not extend it.
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        count, _ = pipe.execute()
        return int(count)
