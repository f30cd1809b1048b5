"""PIN hashing: HMAC-SHA256 keyed with a server-side pepper, salted per hash.

A 4-digit PIN has only 10,000 values, so no hash makes it strong by itself: the pepper (kept
out of the database) stops an offline search by whoever reads the table, and the lockout after
three wrong tries is the guard against guessing online. HMAC keeps a check well under 1 ms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "v1"
PIN_LENGTH = 4


class PinHasher:
    def __init__(self, pepper: str) -> None:
        if not pepper:
            raise ValueError("PIN_PEPPER must be set")
        self._key = pepper.encode()

    def hash(self, pin: str) -> str:
        salt = secrets.token_hex(8)
        return f"{SCHEME}${salt}${self._digest(salt, pin)}"

    def verify(self, stored: str | None, pin: str) -> bool:
        if not stored:
            return False
        try:
            scheme, salt, digest = stored.split("$")
        except ValueError:
            return False
        if scheme != SCHEME:
            return False
        return hmac.compare_digest(digest, self._digest(salt, pin))

    def _digest(self, salt: str, pin: str) -> str:
        return hmac.new(self._key, f"{salt}:{pin}".encode(), hashlib.sha256).hexdigest()


def is_trivial(pin: str, birth_year: int | None = None) -> bool:
    """PINs anyone could guess: one digit repeated, a straight run up or down, the birth year."""
    if len(set(pin)) == 1:
        return True
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {-1}):
        return True
    return birth_year is not None and pin == f"{birth_year:04d}"
