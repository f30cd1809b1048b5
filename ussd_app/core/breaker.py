"""A circuit breaker shared by one process's users of one backend (Redis, the database).

When the backend hangs, every caller would wait its own full timeout; under load those waits
queue up behind each other and fault replies take seconds. After one timeout the breaker opens:
for `open_seconds` every caller fails at once. Then one caller is let through as a probe (the
others keep failing fast for another period); its success closes the breaker again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitOpen(Exception):
    """The backend timed out a moment ago: fail now instead of waiting for it again."""


class Breaker:
    def __init__(self, name: str, open_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.open_seconds = open_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._prober: int | None = None  # the thread probing in this period (its nested calls pass)

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def check(self) -> None:
        """Raise CircuitOpen while the breaker is open, except for the one probe per period."""
        if self._open_until is None:
            return
        with self._lock:
            if self._open_until is None:
                return
            now = self._clock()
            if now < self._open_until:
                if self._prober == threading.get_ident():
                    return
                raise CircuitOpen(f"{self.name} timed out less than {self.open_seconds:g} s ago")
            self._open_until = now + self.open_seconds  # this caller probes; the others wait a period more
            self._prober = threading.get_ident()

    def failed(self) -> None:
        """A call timed out: open (again) for a period."""
        with self._lock:
            self._open_until = self._clock() + self.open_seconds
            self._prober = None

    def succeeded(self) -> None:
        if self._open_until is not None:
            with self._lock:
                self._open_until = self._prober = None
