"""OAuth2 client credentials for partners (Authlib): POST /dci/oauth2/client/token issues a short
JWT access token (RFC 9068), and every other /dci/ call must carry one. Only we read our tokens,
so they are signed HS256 with a key derived from our signing key (Authlib's JWT layer takes only
HS256, RS256 and ES256); the Ed25519 key itself signs the DCI messages.

A token names the partner (client_id) and its scopes; each call checks the partner again, so a
revoked partner's tokens stop working at once, not when they expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator, JWTBearerTokenValidator
from flask import Flask
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ussd_app.core.extensions import Clients
from ussd_app.dci.keys import SigningKey
from ussd_app.dci.models import Partner
from ussd_app.dci.partners import secret_matches

AUDIENCE = "lsso-dci"


class PartnerClient(ClientMixin):  # type: ignore[misc]
    """What Authlib needs to know of a partner."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    def get_client_id(self) -> str:
        return self.partner.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = self.partner.scope_list
        if not scope:
            return " ".join(allowed)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.partner.active and secret_matches(self.partner, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class _ClientCredentials(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]


def token_jwks(key: SigningKey) -> dict[str, Any]:
    """The key our access tokens are signed and checked with (never published)."""
    secret = hmac.new(key.public_bytes + key.private_jwk()["d"].encode(), b"dci-access-tokens", hashlib.sha256)
    return {"keys": [{"kty": "oct", "kid": "tokens", "alg": "HS256",
                      "k": base64.urlsafe_b64encode(secret.digest()).rstrip(b"=").decode()}]}


class _Tokens(JWTBearerTokenGenerator):  # type: ignore[misc]
    def __init__(self, key: SigningKey, minutes: int) -> None:
        super().__init__(issuer=key.sender_id, alg="HS256", expires_generator=lambda client, grant: minutes * 60)
        self.jwks = KeySet.import_key_set(token_jwks(key))  # type: ignore[arg-type]  # imported once, not per token

    def get_jwks(self) -> KeySet:
        return self.jwks

    def get_audiences(self, client: Any, user: Any, scope: Any) -> str:
        return AUDIENCE


class _Validator(JWTBearerTokenValidator):  # type: ignore[misc]
    def __init__(self, key: SigningKey) -> None:
        super().__init__(issuer=key.sender_id, resource_server=AUDIENCE)
        self.jwks = KeySet.import_key_set(token_jwks(key))  # type: ignore[arg-type]  # imported once, not per call

    def get_jwks(self) -> KeySet:
        return self.jwks


@dataclass
class Caller:
    partner: Partner
    scopes: list[str]


class NotAuthorised(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def build(app: Flask, clients: Clients, key: SigningKey, minutes: int) -> tuple[AuthorizationServer, ResourceProtector]:
    def query_client(client_id: str) -> PartnerClient | None:
        with clients.sessions() as session:
            partner = session.execute(select(Partner).where(Partner.client_id == client_id)).scalar()
        return PartnerClient(partner) if partner is not None and partner.active else None

    server = AuthorizationServer(app, query_client=query_client, save_token=lambda token, request: None)
    server.register_grant(_ClientCredentials)
    server.register_token_generator("client_credentials", _Tokens(key, minutes))
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(key))
    return server, protector


def caller(protector: ResourceProtector, reads: Connection, *needed: str) -> Caller:
    """The partner behind this request's bearer token, holding one of the scopes `needed`, read
    fresh (a revoked partner is refused at once) on the request's autocommit connection;
    NotAuthorised otherwise. The Partner is a plain copy of its row, in no session."""
    try:
        token = protector.acquire_token()
    except OAuth2Error as exc:
        raise NotAuthorised(401, "err.request.unauthorized",
                            exc.description or "a valid bearer token is required") from None
    row = reads.execute(select(Partner.__table__).where(Partner.client_id == token["client_id"])).first()
    partner = Partner(**row._mapping) if row is not None else None
    if partner is None or not partner.active:
        raise NotAuthorised(401, "err.request.unauthorized", "this partner is no longer registered")
    granted = str(token.get("scope") or "").split()
    scopes = [s for s in granted if s in partner.scope_list]  # scopes taken away since count no more
    if not set(needed) & set(scopes):
        raise NotAuthorised(403, "err.request.forbidden", f"this call needs the scope {' or '.join(needed)}")
    return Caller(partner, scopes)
