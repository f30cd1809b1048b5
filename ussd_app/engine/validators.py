"""Input validators: tiny pure functions. Each returns the value to keep or raises Invalid.

In YAML a node lists them in order: `validate: [digits, {length: [6, 13]}, {date: DDMMYYYY}]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

Validator = Callable[[str, date], str]  # (input, today) -> value to keep


class Invalid(ValueError):
    """The input is not acceptable; `key` names the message to show (see definition messages)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Check:
    kind: str
    arg: Any
    run: Validator


def _digits(_arg: Any) -> Validator:
    def run(value: str, today: date) -> str:
        if not value.isdigit() or not value.isascii():
            raise Invalid("digits_only")
        return value

    return run


def _length(arg: Any) -> Validator:
    try:
        low, high = (arg, arg) if isinstance(arg, int) else (int(arg[0]), int(arg[1]))
    except (TypeError, ValueError, IndexError, KeyError):
        raise ValueError(f"length is a number or [min, max], got {arg!r}") from None
    if low < 0 or high < low:
        raise ValueError(f"length needs 0 <= min <= max, got {arg!r}")

    def run(value: str, today: date) -> str:
        if not low <= len(value) <= high:
            raise Invalid("bad_length")
        return value

    return run


def _regex(arg: Any) -> Validator:
    try:
        pattern = re.compile(str(arg))
    except re.error as exc:
        raise ValueError(f"invalid regex {arg!r}: {exc}") from None

    def run(value: str, today: date) -> str:
        if not pattern.fullmatch(value):
            raise Invalid("invalid_input")
        return value

    return run


def _date(arg: Any) -> Validator:
    if arg != "DDMMYYYY":
        raise ValueError(f"date format must be DDMMYYYY, got {arg!r}")

    def run(value: str, today: date) -> str:
        if len(value) != 8 or not value.isdigit():
            raise Invalid("bad_date")
        try:
            day = date(int(value[4:]), int(value[2:4]), int(value[:2]))
        except ValueError:
            raise Invalid("bad_date") from None
        if day.year < 1900 or day > today:
            raise Invalid("bad_date")
        return day.isoformat()

    return run


def _phone(arg: Any) -> Validator:
    region = str(arg or "LA")

    def run(value: str, today: date) -> str:
        # Imported here so the engine's import graph stays free of third-party I/O; phonenumbers
        # is pure data, used through the project's one normaliser.
        from ussd_app.text.phones import InvalidPhone, normalise

        try:
            return normalise(value, region)
        except InvalidPhone:
            raise Invalid("bad_phone") from None

    return run


_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]{1,59}")


def _latin_name(arg: Any) -> Validator:
    """A name typed on a keypad in Latin letters (many phones cannot type Lao script); `arg`, if
    given, is the key that skips the question (kept as an empty name)."""
    skip = None if arg is None else str(arg)

    def run(value: str, today: date) -> str:
        if skip is not None and value == skip:
            return ""
        name = " ".join(value.split())
        if not _LATIN_NAME.fullmatch(name):
            raise Invalid("invalid_input")
        return name.title()  # keypads type one case; records read "Somphone Keo"

    return run


FACTORIES: dict[str, Callable[[Any], Validator]] = {
    "latin_name": _latin_name,
    "digits": _digits,
    "length": _length,
    "regex": _regex,
    "date": _date,
    "phone": _phone,
}

# Messages each validator may ask for; the definition must translate every one it uses.
MESSAGE_KEYS = {"digits": "digits_only", "length": "bad_length", "regex": "invalid_input",
                "date": "bad_date", "phone": "bad_phone", "latin_name": "invalid_input"}


def build(spec: Any) -> Check:
    """`digits` or `{length: [6, 13]}` -> Check. Raises ValueError naming what is wrong."""
    if isinstance(spec, str):
        kind, arg = spec, None
    elif isinstance(spec, dict) and len(spec) == 1:
        kind, arg = next(iter(spec.items()))
    else:
        raise ValueError(f"a validator is a name or a one-key mapping, got {spec!r}")
    if kind not in FACTORIES:
        raise ValueError(f"unknown validator {kind!r} (known: {', '.join(sorted(FACTORIES))})")
    return Check(kind, arg, FACTORIES[kind](arg))
