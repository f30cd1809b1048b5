"""Phone numbers: normalise to E.164 with `phonenumbers`, and mask for logs."""

from __future__ import annotations

import functools

import phonenumbers


class InvalidPhone(ValueError):
    pass


@functools.lru_cache(maxsize=4096)  # every hop of a session parses the same number again
def normalise(raw: str, region: str = "LA") -> str:
    """'020 5551 2345', '2055512345' or '+8562055512345' -> '+8562055512345'.

    Raises InvalidPhone with a reason a person can act on.
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    digits = text.replace(" ", "").replace("-", "")
    # Lao mobiles are often written without the trunk 0 ("2055512345"); phonenumbers would
    # read that as too short for LA, so put the 0 back before parsing.
    if region == "LA" and digits.isdigit() and len(digits) == 10 and digits.startswith("20"):
        digits = "0" + digits
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """'+8562055512345' -> '+856205*****45': enough to tell numbers apart in a log, no more."""
    if not phone:
        return "-"
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:7] + "*" * (len(phone) - 9) + phone[-2:]
