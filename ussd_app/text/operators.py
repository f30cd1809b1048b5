"""Mobile network codes (MCC-MNC, as Africa's Talking sends them) to the operators' names staff
know: kept as data in operators.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("operators.yaml")


@cache
def operators(path: Path = DATA) -> dict[str, str]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(code): str(entry["name"]) for code, entry in raw.items()}


def operator_name(code: str | None) -> str | None:
    """The operator's name, or None for a code that is not a Lao network we know."""
    return operators().get(str(code or "").strip())
