"""How many SMS parts a text takes: GSM-7 160 (153 per part when split), UCS-2 70 (67).

All Lao text needs UCS-2, so one Lao character makes the whole message use the smaller parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ussd_app.text.encoding import GSM7, measure

SINGLE = {GSM7: 160, "UCS-2": 70}
PER_PART = {GSM7: 153, "UCS-2": 67}  # the rest of each part carries the concatenation header


@dataclass(frozen=True)
class Segments:
    encoding: str
    length: int
    parts: int


def count(text: str) -> Segments:
    encoding, length = measure(text)
    if length <= SINGLE[encoding]:
        parts = 1
    else:
        parts = math.ceil(length / PER_PART[encoding])
    return Segments(encoding, length, parts)
