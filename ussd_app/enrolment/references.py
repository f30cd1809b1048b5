"""References members quote: digits only (a feature phone and a mobile-money form both take
them), with a Verhoeff check digit so one wrong or two swapped digits are caught before a
payment lands on someone else's record.

- Application: "5" + the application number (6 digits or more) + check digit, e.g. 50000127.
- Payment: "8" + the member's record id (7 digits or more) + check digit, e.g. 800001234;
  the same every month, so the member learns it once.
"""

from __future__ import annotations

from stdnum import verhoeff

APPLICATION_PREFIX = "5"
PAYMENT_PREFIX = "8"


def application_reference(number: int) -> str:
    return _with_check(f"{APPLICATION_PREFIX}{number:06d}")


def payment_reference(member_id: int) -> str:
    return _with_check(f"{PAYMENT_PREFIX}{member_id:07d}")


def member_of_payment_reference(reference: str) -> int | None:
    """The member record id a payment reference names, or None if it is not a valid one."""
    body = _checked(reference, PAYMENT_PREFIX, 9)
    return int(body[1:]) if body else None


def clean(reference: str) -> str:
    """As typed at a bank counter: spaces and dashes are not part of it."""
    return "".join(ch for ch in reference.strip() if ch not in " -")


def _with_check(body: str) -> str:
    return body + verhoeff.calc_check_digit(body)


def _checked(reference: str, prefix: str, min_length: int) -> str | None:
    ref = clean(reference)
    if not (ref.isascii() and ref.isdigit() and len(ref) >= min_length and ref.startswith(prefix)):
        return None
    return ref[:-1] if verhoeff.is_valid(ref) else None
