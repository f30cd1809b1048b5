"""Africa's Talking SMS through the official SDK (SMSService only).

The SDK has no base-URL option and reports every HTTP error as the same exception without its
status code; the subclass below adds both (AT_API_BASE_URL, and status-aware errors), and keeps
one HTTP session so connections are reused.
"""

from __future__ import annotations

from typing import Any

import requests
from africastalking.SMS import SMSService
from urllib3.exceptions import NewConnectionError

from sms.senders import Accepted, FailedSendError, RejectedSendError, TransientSendError, UncertainSendError

TIMEOUT = (3.05, 9.05)  # the SDK's own default: connect, read

# AT's per-recipient status codes (https://developers.africastalking.com/docs/sms/sending).
ACCEPTED = {100, 101, 102}  # Processed, Sent, Queued
RETRY = {500, 501, 502, 405, 407}  # server/gateway errors; insufficient balance; could not route
REJECTED = {403, 404, 406, 409}  # invalid number, unsupported number type, blacklisted, do-not-disturb


class ProviderHTTPError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text[:200]}")
        self.status = status


class ConfigurableSMSService(SMSService):
    def __init__(self, username: str, api_key: str, base_url: str = "") -> None:
        self._override = base_url.rstrip("/")
        self._http = requests.Session()
        # Proxy settings come from AT_API_BASE_URL, not the environment: reading the environment
        # on every request costs more than the request to a nearby gateway.
        self._http.trust_env = False
        super().__init__(username, api_key)

    def _init_service(self) -> None:
        super()._init_service()
        if self._override:
            self._baseUrl = self._override + "/version1"
            self._contentUrl = self._baseUrl

    def _make_request(self, url: str, method: str, headers: dict, data: Any, params: Any, callback: Any = None,
                      timeout: Any = TIMEOUT) -> Any:
        response = self._http.request(method, url, headers=headers, data=data, params=params, timeout=timeout)
        if not 200 <= response.status_code < 300:
            raise ProviderHTTPError(response.status_code, response.text)
        return response.json() if response.headers.get("content-type", "").startswith("application/json") \
            else response.text


class AfricasTalkingSender:
    name = "africastalking"

    def __init__(self, username: str, api_key: str, sender_id: str = "", base_url: str = "",
                 read_timeout: float = TIMEOUT[1]) -> None:
        self.service = ConfigurableSMSService(username, api_key, base_url)
        self.sender_id = sender_id or None
        self.timeout = (min(TIMEOUT[0], read_timeout), read_timeout)

    def send(self, to: str, body: str) -> Accepted:
        try:
            reply = self.service.send(body, [to], sender_id=self.sender_id, timeout=self.timeout)
        except requests.ConnectTimeout as exc:
            raise TransientSendError("provider unreachable: connect timeout") from exc
        except (requests.ReadTimeout, requests.ConnectionError) as exc:
            if _never_connected(exc):
                raise TransientSendError("provider unreachable: connection refused") from exc
            # The request went out and no answer came: AT may well have sent the SMS.
            raise UncertainSendError(f"no answer from the provider: {type(exc).__name__}") from exc
        except ProviderHTTPError as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TransientSendError(str(exc)) from exc
            raise FailedSendError(str(exc)) from exc
        return _accepted(reply)


def _never_connected(exc: BaseException) -> bool:
    """Did the connection fail before our request could leave (refused, no route, DNS)?"""
    seen: BaseException | None = exc
    for _ in range(10):  # requests -> urllib3 MaxRetryError -> its reason: a short chain
        if seen is None:
            return False
        if isinstance(seen, NewConnectionError):
            return True
        reason = getattr(seen, "reason", None)
        first = seen.args[0] if seen.args else None
        seen = next((e for e in (reason, first, seen.__cause__) if isinstance(e, BaseException)), None)
    return False


def _accepted(reply: Any) -> Accepted:
    try:
        recipients = reply["SMSMessageData"]["Recipients"]
    except (TypeError, KeyError):
        raise TransientSendError(f"unreadable reply: {str(reply)[:200]}") from None
    if not recipients:
        message = str(reply["SMSMessageData"].get("Message", ""))
        raise FailedSendError(f"no recipient accepted: {message[:200]}")
    first = recipients[0]
    code, status = int(first.get("statusCode", 0)), str(first.get("status", ""))
    if code in ACCEPTED:
        return Accepted(message_id=str(first["messageId"]), status=status, cost=first.get("cost"))
    detail = f"{code} {status}"
    if code in RETRY:
        raise TransientSendError(detail)
    if code in REJECTED:
        raise RejectedSendError(detail)
    raise FailedSendError(detail)
