"""redis-py connections that share a circuit breaker with every other connection of their pool:
to one Redis (`BreakerConnection`), or to whichever Redis the Sentinels name the primary
(`BreakerSentinelConnection`).

A Redis that hangs makes each command wait REDIS_TIMEOUT_SECONDS; with the breaker, only the
first commands after the hang wait, and the rest of the process fails at once until a probe
gets an answer again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import redis
from redis.sentinel import SentinelManagedConnection

from ussd_app.core.breaker import Breaker, CircuitOpen

if TYPE_CHECKING:
    _Connection = redis.Connection
else:
    _Connection = object


class _Breaking(_Connection):
    """The breaker's part, mixed into a redis-py connection class."""

    breaker: Breaker

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


class BreakerConnection(_Breaking, redis.Connection):
    pass


class BreakerSentinelConnection(_Breaking, SentinelManagedConnection):
    pass
