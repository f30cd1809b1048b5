"""A redis-py connection that shares a circuit breaker with every other connection of its pool.

A Redis that hangs makes each command wait REDIS_TIMEOUT_SECONDS; with the breaker, only the
first commands after the hang wait, and the rest of the process fails at once until a probe
gets an answer again.
"""

from __future__ import annotations

from typing import Any

import redis

from ussd_app.core.breaker import Breaker, CircuitOpen


class BreakerConnection(redis.Connection):
    def __init__(self, *args: Any, breaker: Breaker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        self.breaker = breaker

    def connect_check_health(self, *args: Any, **kwargs: Any) -> None:
        if self._sock:
            return
        self._guard()
        try:
            super().connect_check_health(*args, **kwargs)
        except redis.TimeoutError:
            self.breaker.failed()
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self._guard()
        try:
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]
        except redis.TimeoutError:
            self.breaker.failed()
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().read_response(*args, **kwargs)
        except redis.TimeoutError:
            self.breaker.failed()
            raise
        except redis.ResponseError:
            self.breaker.succeeded()  # Redis answered, if only with an error
            raise
        self.breaker.succeeded()
        return response

    def _guard(self) -> None:
        try:
            self.breaker.check()
        except CircuitOpen as exc:
            # A ConnectionError like any other, so callers need no new except clause.
            raise redis.ConnectionError(f"Redis unavailable: {exc}") from None
