"""The SMS sending port and its local adapter.

A sender either accepts a message (returning the provider's id) or raises: TransientSendError
(it did not go: try again later), UncertainSendError (the request left but no answer came back:
the provider may have sent it), RejectedSendError (the provider refused this message: final) or
FailedSendError (final for another reason, e.g. a wrong API key: an operator must act).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from ussd_app.text.phones import mask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    message_id: str
    status: str  # the provider's word for it, e.g. "Success"
    cost: str | None = None


class SendError(Exception):
    pass


class TransientSendError(SendError):
    pass


class UncertainSendError(SendError):
    pass


class RejectedSendError(SendError):
    pass


class FailedSendError(SendError):
    pass


class SmsSender(Protocol):
    name: str

    def send(self, to: str, body: str) -> Accepted: ...


class OutboxSender:
    """No provider: the message stays in the outbox table (shown by `flask sms outbox`) and is
    logged. The default when no AT credentials are set, as under `make run`."""

    name = "outbox"

    def send(self, to: str, body: str) -> Accepted:
        log.info("SMS (local outbox) to %s: %s", mask(to), body.replace("\n", " / "))
        return Accepted(message_id=f"local-{uuid.uuid4().hex}", status="Stored")
