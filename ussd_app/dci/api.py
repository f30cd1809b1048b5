"""The partner API as the app holds it: our key, the OAuth2 server, the rate limiter, the limits,
and the one way every response and callback is signed."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from flask import Flask
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ussd_app.dci import envelope, oauth
from ussd_app.dci.envelope import Rejected
from ussd_app.dci.keys import SigningKey, new_seed
from ussd_app.dci.search import Limits
from ussd_app.ussd.runtime import Runtime

SIGNATURE_SECONDS = 300


@dataclass
class Dci:
    rt: Runtime
    key: SigningKey
    server: AuthorizationServer
    protector: ResourceProtector
    limiter: MovingWindowRateLimiter
    rate: RateLimitItem
    limits: Limits
    max_requests: int
    audit_key: bytes
    backoff: tuple[int, ...]
    lost_after: int

    @property
    def sender_id(self) -> str:
        return self.key.sender_id

    def allowed(self, client_id: str) -> bool:
        """Counts the call, then says whether it is within the partner's rate (one atomic step)."""
        return self.limiter.hit(self.rate, "dci", client_id)

    def signed(self, header: dict[str, Any], message: dict[str, Any] | None) -> dict[str, Any]:
        """The envelope, signed; a refused message has a header only (DCI requires no message then)."""
        now = self.rt.clock.now().timestamp()
        body = {"signature": self.key.sign(header, message, now, SIGNATURE_SECONDS), "header": header}
        if message is not None:
            body["message"] = message
        return body

    def answer(self, action: str, message: dict[str, Any] | None, receiver_id: str, *, status: str = "succ",
               reason: Rejected | None = None, total: int = 0, completed: int = 0) -> dict[str, Any]:
        header = envelope.callback_header(action, status, self.rt.clock.now(), self.sender_id, receiver_id,
                                          total, completed, reason)
        return self.signed(header, message)


def build(app: Flask, rt: Runtime) -> Dci:
    cfg = app.config
    seed = cfg["DCI_SIGNING_KEY"]
    if not seed:
        if not cfg.get("TESTING"):
            raise RuntimeError("DCI_SIGNING_KEY must be set: the base64 of an Ed25519 seed "
                               "(flask --app wsgi partners keygen prints a new one)")
        seed = new_seed()  # tests: the key lives as long as the app
    key = SigningKey.from_seed(seed, cfg["DCI_KEY_ID"], cfg["DCI_SENDER_ID"])
    server, protector = oauth.build(app, rt.clients, key, cfg["DCI_TOKEN_MINUTES"])
    # The limiter's counters live in our Redis, through our own connection pool (and its breaker;
    # through the Sentinels too: the pool is what connects, the URL only picks the storage kind).
    storage = storage_from_string("memory://") if rt.clients.redis_is_fake else \
        storage_from_string("redis://our-pool", connection_pool=rt.clients.redis.connection_pool)  # type: ignore[arg-type]
    return Dci(
        rt=rt, key=key, server=server, protector=protector, limiter=MovingWindowRateLimiter(storage),
        rate=parse(cfg["DCI_RATE_LIMIT"]),
        limits=Limits(page_size_max=cfg["DCI_PAGE_SIZE_MAX"], max_matches=cfg["DCI_MAX_MATCHES"],
                      due_day=cfg["REMINDER_DUE_DAY"], region=cfg["DEFAULT_REGION"]),
        max_requests=cfg["DCI_MAX_REQUESTS"],
        audit_key=hmac.new(cfg["SECRET_KEY"].encode(), b"dci-audit", hashlib.sha256).digest(),
        backoff=tuple(int(x) for x in str(cfg["DCI_CALLBACK_BACKOFF"]).split(",") if x.strip()),
        lost_after=cfg["DCI_CALLBACK_LOST_AFTER"],
    )


def dci_of(app: Flask | None = None) -> Dci:
    if app is None:
        from flask import current_app

        app = current_app
    found: Dci = app.extensions["lsso_dci"]
    return found
