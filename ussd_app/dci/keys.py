"""Our Ed25519 key: it signs every DCI response and callback, and the access tokens we issue.

DCI_SIGNING_KEY holds the base64 of its 32-byte seed (one line, fit for an environment
variable). The public half is published as a JWK at /dci/.well-known/jwks.json.

Message signatures follow the DCI envelope (`signature` beside `header` and `message`), in the
form its examples give:

    Signature: namespace="spdci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
               created="…", expires="…", headers="(created) (expires) digest", signature="…"

The signed string is "(created): C\\n(expires): E\\ndigest: BLAKE-512=D", where D is the base64
BLAKE2b-512 digest of the canonical JSON of {"header": …, "message": …} (keys sorted, no spaces,
UTF-8): the body a partner sends cannot be digested byte for byte, since the signature travels
inside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

JWT_ALG = "Ed25519"  # RFC 9864's name for what was "EdDSA" with this curve


class UnreadableKey(ValueError):
    """A key that cannot be read."""


class BadSignature(ValueError):
    """A signature that is missing, malformed, expired or does not verify."""


def new_seed() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canonical(header: Any, message: Any) -> bytes:
    return json.dumps({"header": header, "message": message}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def _signing_string(created: int, expires: int, header: Any, message: Any) -> bytes:
    digest = base64.b64encode(hashlib.blake2b(canonical(header, message), digest_size=64).digest()).decode()
    return f"(created): {created}\n(expires): {expires}\ndigest: BLAKE-512={digest}".encode()


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    key_id: str
    sender_id: str

    @classmethod
    def from_seed(cls, seed_b64: str, key_id: str, sender_id: str) -> SigningKey:
        try:
            seed = base64.b64decode(seed_b64, validate=True)
            private = Ed25519PrivateKey.from_private_bytes(seed)
        except (ValueError, TypeError) as exc:
            raise UnreadableKey("DCI_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed "
                            "(flask --app wsgi partners keygen makes one)") from exc
        return cls(private, key_id, sender_id)

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def public_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.public_bytes), "kid": self.key_id, "use": "sig",
                "alg": JWT_ALG}

    def private_jwk(self) -> dict[str, str]:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        raw = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return {**self.public_jwk(), "d": _b64url(raw)}

    def bearer(self, audience: str, now: float, seconds: int = 300) -> str:
        """A short JWT naming us, for the Authorization header of what we post to a partner: the
        partner checks it against our published JWKS (DCI's callbacks carry a bearer token)."""
        from joserfc import jwt
        from joserfc.jwk import OKPKey

        key = OKPKey.import_key(dict(self.private_jwk()))
        claims = {"iss": self.sender_id, "sub": self.sender_id, "aud": audience, "iat": int(now),
                  "exp": int(now) + seconds, "jti": uuid.uuid4().hex}
        token: str = jwt.encode({"alg": JWT_ALG, "kid": self.key_id, "typ": "JWT"}, claims, key, algorithms=[JWT_ALG])
        return token

    def sign(self, header: Any, message: Any, now: float, seconds: int = 300) -> str:
        created = int(now)
        expires = created + seconds
        signature = base64.b64encode(self.private.sign(_signing_string(created, expires, header, message))).decode()
        return (f'Signature: namespace="spdci", kidId="{self.sender_id}|{self.key_id}|ed25519", '
                f'algorithm="ed25519", created="{created}", expires="{expires}", '
                f'headers="(created) (expires) digest", signature="{signature}"')


_PARAM = re.compile(r'(\w+)="([^"]*)"')


def read_public_key(text: str) -> Ed25519PublicKey:
    """A partner's public key: base64 of the 32 raw bytes, or PEM."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            key = load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise UnreadableKey("the key is not an Ed25519 key")
            return key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError) as exc:
        raise UnreadableKey(f"not an Ed25519 public key (base64 of 32 bytes, or PEM): {exc}") from exc


def verify(signature: str | None, header: Any, message: Any, key: Ed25519PublicKey, now: float,
           skew: int = 300) -> None:
    """Raise BadSignature unless `signature` signs header+message with `key` and is current."""
    if not signature:
        raise BadSignature("the message carries no signature")
    params = dict(_PARAM.findall(signature))
    try:
        created, expires = int(params["created"]), int(params["expires"])
        raw = base64.b64decode(params["signature"], validate=True)
    except (KeyError, ValueError) as exc:
        raise BadSignature("the signature is malformed") from exc
    if params.get("algorithm", "ed25519").lower() != "ed25519":
        raise BadSignature("only ed25519 signatures are accepted")
    if created > now + skew or expires < now - skew:
        raise BadSignature("the signature has expired or is not valid yet")
    try:
        key.verify(raw, _signing_string(created, expires, header, message))
    except InvalidSignature:
        raise BadSignature("the signature does not verify") from None
