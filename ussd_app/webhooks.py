"""What every Africa's Talking callback shares: strict form parsing, the token, plain replies."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from flask import Response, current_app, request


class BadRequest(ValueError):
    """The request itself is malformed: answered with 400 and the reason."""


def plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def token_refusal() -> Response | None:
    """403 unless the request carries ?token=USSD_WEBHOOK_TOKEN (when one is set)."""
    expected = current_app.config["USSD_WEBHOOK_TOKEN"]
    if expected and not hmac.compare_digest(request.args.get("token", ""), expected):
        return plain("forbidden: bad or missing token", 403)
    return None


def parse_form(body: bytes) -> dict[str, str]:
    """Strict form parsing: AT posts application/x-www-form-urlencoded UTF-8."""
    try:
        decoded = body.decode("utf-8")
        pairs = parse_qsl(decoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the request is not valid UTF-8") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def request_form() -> dict[str, str]:
    if request.mimetype != "application/x-www-form-urlencoded":
        raise BadRequest("expected an application/x-www-form-urlencoded body")
    return parse_form(request.get_data(cache=False))


def require(form: dict[str, str], *names: str) -> None:
    missing = [n for n in names if not form.get(n, "").strip()]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
