"""The DCI envelope: `signature`, `header`, `message`. Reading a request's, and building ours.

Two kinds of refusal, as DCI has them:
- `TransportError`: the request cannot be taken at all (bad JSON, bad signature, wrong action):
  an HTTP error with DCI's `err.*` code, in DCI's HttpErrorResponse shape.
- `Rejected`: the envelope is readable but the message is refused (`rjct.*` codes of the header,
  e.g. a repeated message_id): a signed response whose header says status `rjct`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

VERSION = "1.0.0"


class TransportError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message}]}


class Rejected(Exception):
    """The whole message is refused; `code` is one of DCI's MsgHeaderStatusReasonCode values."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Request:
    signature: str | None
    header: dict[str, Any]
    message: dict[str, Any]

    @property
    def message_id(self) -> str:
        return str(self.header["message_id"])

    @property
    def action(self) -> str:
        return str(self.header["action"])

    @property
    def sender_id(self) -> str:
        return str(self.header["sender_id"])


HEADER_REQUIRED = ("message_id", "message_ts", "action", "sender_id", "total_count")


def read_request(body: Any, action: str, now: datetime, max_total: int) -> Request:
    """The envelope of a request to the endpoint of `action`; raises TransportError or Rejected."""
    if not isinstance(body, dict):
        raise TransportError(400, "err.request.bad", "the body must be a JSON object with header and message")
    header, message = body.get("header"), body.get("message")
    if not isinstance(header, dict) or not isinstance(message, dict):
        raise TransportError(400, "err.request.bad", "header and message are both required objects")
    missing = [name for name in HEADER_REQUIRED if header.get(name) in (None, "")]
    if missing:
        raise TransportError(400, "err.request.bad", f"header lacks {', '.join(missing)}")
    if header.get("is_msg_encrypted"):
        raise TransportError(400, "err.encryption.invalid", "encrypted messages are not accepted")
    if str(header.get("version", VERSION)) != VERSION:
        raise Rejected("rjct.version.invalid", f"version {header.get('version')} is not supported; use {VERSION}")
    if header["action"] != action:
        raise Rejected("rjct.action.invalid", f"this endpoint takes action {action!r}, not {header['action']!r}")
    if not isinstance(header["message_id"], (str, int)) or len(str(header["message_id"])) > 99:
        raise TransportError(400, "err.request.bad", "message_id must be text of at most 99 characters")
    sent = _timestamp(header["message_ts"])
    if sent is None or abs((sent - now).total_seconds()) > 24 * 3600:
        raise Rejected("rjct.message_ts.invalid", "message_ts must be an ISO 8601 time with its zone, within a day")
    total = header["total_count"]
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise Rejected("rjct.total_count.invalid", "total_count must be a whole number")
    if total > max_total:
        raise Rejected("rjct.total_count.limit_exceeded", f"at most {max_total} requests in one message")
    signature = body.get("signature")
    return Request(signature if isinstance(signature, str) else None, header, message)


def _timestamp(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_id() -> str:
    return uuid.uuid4().hex


def callback_header(action: str, status: str, now: datetime, sender_id: str, receiver_id: str,
                    total: int = 0, completed: int = 0, reason: Rejected | None = None) -> dict[str, Any]:
    header: dict[str, Any] = {
        "version": VERSION, "message_id": new_id(), "message_ts": iso(now), "action": action, "status": status,
        "total_count": total, "completed_count": completed, "sender_id": sender_id, "receiver_id": receiver_id,
        "is_msg_encrypted": False,
    }
    if reason is not None:
        header["status_reason_code"] = reason.code
        header["status_reason_message"] = reason.message[:999]
    return header


def request_header(action: str, now: datetime, sender_id: str, receiver_id: str, total: int) -> dict[str, Any]:
    """The header of a message we send as the requester (a notify)."""
    return {"version": VERSION, "message_id": new_id(), "message_ts": iso(now), "action": action,
            "sender_id": sender_id, "receiver_id": receiver_id, "total_count": total, "is_msg_encrypted": False}
