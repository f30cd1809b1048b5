"""Registering partners: the CLI and the admin console both come through here.

A client secret is 32 random bytes, shown once and stored as its SHA-256 (it is far too long to
guess, so a slow password hash would only slow every token request down).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ussd_app.core.database import utcnow
from ussd_app.dci.keys import UnreadableKey, read_public_key
from ussd_app.dci.models import Basis, Partner, Scope
from ussd_app.dci.purposes import PURPOSES

NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,78}[a-z0-9]")


class PartnerError(ValueError):
    pass


def secret_hash(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(partner: Partner, secret: str) -> bool:
    return hmac.compare_digest(partner.secret_hash, secret_hash(secret))


def _check(scopes: list[str], purposes: list[str], basis: str, callback_url: str | None,
           public_key: str | None) -> None:
    wrong = [s for s in scopes if s not in {s.value for s in Scope}]
    if not scopes or wrong:
        raise PartnerError(f"scopes must be among {', '.join(s.value for s in Scope)}"
                           + (f" (not {', '.join(wrong)})" if wrong else ""))
    unknown = [p for p in purposes if p not in PURPOSES]
    if not purposes or unknown:
        raise PartnerError(f"purposes must be among {', '.join(PURPOSES)}" + (f" (not {', '.join(unknown)})"
                                                                               if unknown else ""))
    if basis not in {b.value for b in Basis}:
        raise PartnerError(f"the legal basis must be one of {', '.join(b.value for b in Basis)}")
    if callback_url:
        parts = urlsplit(callback_url)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
            raise PartnerError("the callback URL must be an http(s) address without query or fragment")
    if public_key:
        try:
            read_public_key(public_key)
        except UnreadableKey as exc:
            raise PartnerError(str(exc)) from None


LABEL_MAX = 21  # what a USSD screen has room for beside its question (actions/sharing.py)


def add(session: Session, name: str, scopes: list[str], purposes: list[str], basis: str,
        callback_url: str | None = None, public_key: str | None = None,
        labels: dict[str, str] | None = None) -> tuple[Partner, str]:
    """A new partner and its client secret (shown once). Caller commits."""
    if not NAME.fullmatch(name):
        raise PartnerError("a partner's name is its DCI sender_id: lower-case letters, digits, '.' and '-'")
    if session.execute(select(Partner.id).where(Partner.name == name)).first():
        raise PartnerError(f"there is already a partner named {name}")
    _check(scopes, purposes, basis, callback_url, public_key)
    labels = {lang: text.strip() for lang, text in (labels or {}).items() if text and text.strip()}
    long = [f"{lang}: {len(text)}" for lang, text in labels.items() if len(text) > LABEL_MAX]
    if long:
        raise PartnerError(f"a label members hear is at most {LABEL_MAX} characters ({', '.join(long)})")
    secret = secrets.token_urlsafe(32)
    partner = Partner(name=name, client_id=secrets.token_urlsafe(12), secret_hash=secret_hash(secret),
                      scopes=" ".join(dict.fromkeys(scopes)), purposes=" ".join(dict.fromkeys(purposes)),
                      basis=basis, callback_url=(callback_url or "").rstrip("/") or None,
                      public_key=(public_key or "").strip() or None, label_lo=labels.get("lo"),
                      label_en=labels.get("en"))
    session.add(partner)
    session.flush()
    return partner, secret


def named(session: Session, name: str) -> Partner:
    found = session.execute(select(Partner).where(Partner.name == name)).scalar()
    if found is None:
        raise PartnerError(f"there is no partner named {name}")
    return found


def rotate_secret(session: Session, name: str) -> tuple[Partner, str]:
    partner = named(session, name)
    if not partner.active:
        raise PartnerError(f"{name} is revoked")
    secret = secrets.token_urlsafe(32)
    partner.secret_hash = secret_hash(secret)
    return partner, secret


def revoke(session: Session, name: str) -> Partner:
    """No new token, and tokens already out stop working (every call checks the partner)."""
    partner = named(session, name)
    partner.revoked_at = partner.revoked_at or utcnow()
    return partner


def all_partners(session: Session) -> list[Partner]:
    return list(session.execute(select(Partner).order_by(Partner.name)).scalars())
