"""What every Africa's Talking callback shares: strict form parsing, the token, plain replies."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

# A USSD hop is a few hundred bytes; an SMS callback may carry a long inbound text (UTF-8 Lao,
# URL-encoded, up to 1,600 characters). Anything bigger is refused before it is read.
USSD_BODY_LIMIT = 8 * 1024
SMS_BODY_LIMIT = 32 * 1024
APP_BODY_LIMIT = 512 * 1024  # everything else: the admin console's forms (a menu of 256 kB at most)


class BadRequest(ValueError):
    """The request itself is malformed: answered with 400 and the reason."""


def plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def limit_bodies(bp: Blueprint, max_bytes: int) -> None:
    """Requests to `bp` may carry at most `max_bytes`: larger ones get 413 before being read."""

    @bp.before_request
    def _limit() -> Response | None:
        request.max_content_length = max_bytes  # also bounds a chunked body while it is read
        if request.content_length is not None and request.content_length > max_bytes:
            return too_large(max_bytes)
        return None


def too_large(max_bytes: int | None) -> Response:
    response = plain(f"request too large: at most {max_bytes or APP_BODY_LIMIT} bytes", 413)
    response.headers["Connection"] = "close"  # so the server does not read the rest to keep the connection
    return response


def init_app(app: Flask) -> None:
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is no limit at all
        app.config["MAX_CONTENT_LENGTH"] = APP_BODY_LIMIT

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> Response:
        return too_large(request.max_content_length)


def token_refusal() -> Response | None:
    """403 unless the request carries ?token=USSD_WEBHOOK_TOKEN or the X-Webhook-Token header
    (a proxy in front may move it there, out of URLs and their logs)."""
    expected = current_app.config["USSD_WEBHOOK_TOKEN"]
    given = request.headers.get("X-Webhook-Token") or request.args.get("token", "")
    if expected and not hmac.compare_digest(given.encode(), expected.encode()):
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
        if "\x00" in key or "\x00" in value:
            raise BadRequest(f"{key[:40]} contains control characters")
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
