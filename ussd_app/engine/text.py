"""Templates and how values read in each language (money, periods, dates)."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

CURRENCY = {"lo": "ກີບ", "en": "LAK"}


@dataclass(frozen=True)
class Money:
    lak: int

    def present(self, lang: str) -> str:
        return f"{self.lak:,} {CURRENCY.get(lang, 'LAK')}"


@dataclass(frozen=True)
class Period:
    """A contribution month, 'YYYY-MM'; shown as MM/YYYY, the way dates are written in Laos."""

    value: str

    def present(self, lang: str) -> str:
        year, month = self.value.split("-")
        return f"{month}/{year}"


@dataclass(frozen=True)
class Day:
    value: date

    def present(self, lang: str) -> str:
        return self.value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Wait:
    """How long until something opens again: minutes under two hours, whole hours beyond."""

    seconds: int

    def present(self, lang: str) -> str:
        minutes = max(1, -(-self.seconds // 60))
        if minutes < 120:
            return f"{minutes} ນາທີ" if lang == "lo" else f"{minutes} minute{'s' if minutes != 1 else ''}"
        hours = -(-minutes // 60)
        return f"{hours} ຊົ່ວໂມງ" if lang == "lo" else f"{hours} hours"


def present(value: Any, lang: str) -> str:
    if hasattr(value, "present"):
        return str(value.present(lang))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, Mapping):  # a per-language value
        return str(value.get(lang, ""))
    return str(value)


_formatter = string.Formatter()


def placeholders(template: str) -> set[str]:
    """Names used as {name} in `template`. Raises ValueError on a malformed template."""
    return {name for _, name, _, _ in _formatter.parse(template) if name}


class _Values(dict[str, Any]):
    def __init__(self, values: Mapping[str, Any], lang: str) -> None:
        super().__init__()
        self._values = values
        self._lang = lang

    def __missing__(self, key: str) -> str:
        if key in self._values:
            return present(self._values[key], self._lang)
        return "{" + key + "}"


def fill(template: str, values: Mapping[str, Any], lang: str) -> str:
    """Substitute {name} with the value as it reads in `lang`; unknown names stay visible."""
    if "{" not in template:
        return template
    return template.format_map(_Values(values, lang))
